namespace ActorRec.Actors;

/// <summary>
/// System-wide publish/subscribe for runtime events (<see cref="DeadLetter"/>, <see cref="UnhandledMessage"/>) and
/// application events. A subscriber gets every published object that is an instance of its channel type.
/// Subscriptions are copy-on-write, so publishing takes no lock.
/// </summary>
public sealed class EventStream
{
    private Subscription[] _subscriptions = [];

    private readonly record struct Subscription(IActorRef Subscriber, Type Channel);

    internal bool HasSubscribers => Volatile.Read(ref _subscriptions).Length > 0;

    public void Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        Update(list =>
        {
            foreach (var s in list)
            {
                if (ReferenceEquals(s.Subscriber, subscriber) && s.Channel == channel)
                {
                    return list;
                }
            }
            return [.. list, new Subscription(subscriber, channel)];
        });
    }

    /// <summary>Removes the subscriber from one channel, or from all when <paramref name="channel"/> is null.</summary>
    public void Unsubscribe(IActorRef subscriber, Type? channel = null)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        Update(list => Array.FindAll(list, s => !(ReferenceEquals(s.Subscriber, subscriber) && (channel is null || s.Channel == channel))));
    }

    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        foreach (var s in Volatile.Read(ref _subscriptions))
        {
            if (s.Channel.IsInstanceOfType(@event))
            {
                s.Subscriber.Tell(@event, null);
            }
        }
    }

    internal void PublishIfSubscribed(object message, IActorRef? sender, IActorRef recipient, bool unhandled)
    {
        if (!HasSubscribers)
        {
            return;
        }
        Publish(unhandled ? new UnhandledMessage(message, sender, recipient) : new DeadLetter(message, sender, recipient));
    }

    private void Update(Func<Subscription[], Subscription[]> change)
    {
        while (true)
        {
            var current = Volatile.Read(ref _subscriptions);
            var next = change(current);
            if (ReferenceEquals(Interlocked.CompareExchange(ref _subscriptions, next, current), current))
            {
                return;
            }
        }
    }
}
