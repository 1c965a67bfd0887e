using ActorRec.Actors;
using ActorRec.Recommender.Entities;

namespace ActorRec.Recommender.Tests.Entities;

public sealed class LocalShardRegionTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AskAll_answers_every_entity_in_request_order_including_an_entity_asked_twice()
    {
        var system = ActorSystem.Create("regions");
        try
        {
            var region = new LocalShardRegion(system, "thing", id => Props.Create(() => new NamedEcho(id)), TimeSpan.Zero);
            var replies = await region.AskAll(["a", "b", "a", "c"], ["1", "2", "3", "4"], TimeSpan.FromSeconds(10)).WaitAsync(Guard);
            Assert.Equal(["a:1", "b:2", "a:3", "c:4"], replies);
        }
        finally
        {
            await system.Terminate().WaitAsync(Guard);
        }
    }

    [Fact]
    public async Task AskAll_refuses_ids_and_messages_of_different_counts()
    {
        var system = ActorSystem.Create("regions");
        try
        {
            var region = new LocalShardRegion(system, "thing", id => Props.Create(() => new NamedEcho(id)), TimeSpan.Zero);
            var error = Assert.Throws<ArgumentException>(Call);
            Assert.Contains("2 entity ids but 1 messages", error.Message, StringComparison.Ordinal);

            void Call() => _ = region.AskAll(["a", "b"], ["1"], TimeSpan.FromSeconds(10));
        }
        finally
        {
            await system.Terminate().WaitAsync(Guard);
        }
    }

    private sealed class NamedEcho : ReceiveActor
    {
        public NamedEcho(string id) => ReceiveAny(m => Sender?.Tell($"{id}:{m}", Self));
    }
}
