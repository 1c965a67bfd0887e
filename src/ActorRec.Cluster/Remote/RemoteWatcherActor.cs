using ActorRec.Actors;

namespace ActorRec.Cluster.Remote;

/// <summary>
/// The watched side of remote death watch, one per node at <c>/system/remote-watcher</c>: it watches local actors on
/// behalf of other nodes and sends each watching node one <see cref="RemoteDeathNotice"/> when the actor stops.
/// The watching node fans the notice out to its local watchers (it keeps one remote watch per actor, not per watcher).
/// </summary>
internal sealed class RemoteWatcherActor : ReceiveActor
{
    private readonly Dictionary<IActorRef, HashSet<string>> _watchedBy = [];

    public RemoteWatcherActor(RemoteActorRefProvider provider)
    {
        Receive<WatchFor>(w =>
        {
            if (!_watchedBy.TryGetValue(w.Target, out var nodes))
            {
                _watchedBy[w.Target] = nodes = new HashSet<string>(StringComparer.Ordinal);
                Context.Watch(w.Target);
            }

            nodes.Add(w.WatcherAddress);
        });
        Receive<UnwatchFor>(u =>
        {
            if (_watchedBy.TryGetValue(u.Target, out var nodes) && nodes.Remove(u.WatcherAddress) && nodes.Count == 0)
            {
                _watchedBy.Remove(u.Target);
                Context.Unwatch(u.Target);
            }
        });
        Receive<NodeGone>(g =>
        {
            List<IActorRef>? empty = null;
            foreach (var (target, nodes) in _watchedBy)
            {
                if (nodes.Remove(g.Address) && nodes.Count == 0)
                {
                    (empty ??= []).Add(target);
                }
            }

            foreach (var target in empty ?? [])
            {
                _watchedBy.Remove(target);
                Context.Unwatch(target);
            }
        });
        Receive<Terminated>(t =>
        {
            if (_watchedBy.Remove(t.ActorRef, out var nodes))
            {
                var subject = provider.PathStringOf(t.ActorRef);
                foreach (var address in nodes)
                {
                    provider.SendDeathNotice(address, subject);
                }
            }
        });
    }

    /// <summary>Watch <paramref name="Target"/> (a local actor) for the node at <paramref name="WatcherAddress"/>.</summary>
    public sealed record WatchFor(IActorRef Target, string WatcherAddress);

    public sealed record UnwatchFor(IActorRef Target, string WatcherAddress);

    /// <summary>The node at <paramref name="Address"/> is down or removed: forget its watches.</summary>
    public sealed record NodeGone(string Address);
}
