namespace ActorRec.Actors.Tests;

public sealed class StressTests
{
    [Fact]
    public void Concurrent_stops_and_tells_give_one_terminated_per_actor()
    {
        using var kit = Kit.New();
        var probe = kit.CreateTestProbe();
        const int count = 200;
        var actors = Enumerable.Range(0, count).Select(_ => kit.ActorOf(Props.Create<EchoActor>())).ToArray();
        foreach (var a in actors)
        {
            probe.Watch(a);
        }
        kit.AwaitIdle();
        var senders = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            for (var round = 0; round < 50; round++)
            {
                foreach (var a in actors)
                {
                    a.Tell(round, ActorRefs.Nobody);
                }
            }
        })).ToArray();
        var stopper = Task.Run(() =>
        {
            foreach (var a in actors)
            {
                kit.System.Stop(a);
                kit.System.Stop(a); // stopping twice is harmless
            }
        });
        kit.Await(Task.WhenAll([.. senders, stopper]));
        var terminated = probe.ReceiveN(count).Cast<Terminated>().Select(t => t.ActorRef).ToHashSet();
        Assert.Equal(count, terminated.Count);
        probe.ExpectNoMsg(TimeSpan.FromSeconds(1));
    }
}
