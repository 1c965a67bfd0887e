using System.Threading.Channels;
using ActorRec.Actors;

namespace ActorRec.Persistence.Tests.Actors;

/// <summary>An actor that forwards everything it receives to a channel the test reads (with a guard timeout).</summary>
public sealed class Probe
{
    private readonly Channel<object> _channel = Channel.CreateUnbounded<object>();

    public Probe(ActorSystem system)
    {
        Ref = system.ActorOf(Props.Create(() => new ProbeActor(_channel.Writer)));
    }

    public IActorRef Ref { get; }

    public void Watch(IActorRef target) => Ref.Tell(new WatchTarget(target));

    /// <summary>Next message of type T (other messages are skipped).</summary>
    public async Task<T> ExpectAsync<T>(Func<T, bool>? match = null)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            object message = await _channel.Reader.ReadAsync(cts.Token);
            if (message is T typed && (match is null || match(typed)))
            {
                return typed;
            }
        }
    }

    private sealed record WatchTarget(IActorRef Target);

    private sealed class ProbeActor(ChannelWriter<object> writer) : ReceiveActor
    {
        protected override bool AroundReceive(object message)
        {
            if (message is WatchTarget w)
            {
                Context.Watch(w.Target);
                return true;
            }

            writer.TryWrite(message);
            return true;
        }
    }
}
