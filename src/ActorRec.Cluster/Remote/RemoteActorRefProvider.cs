using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ActorRec.Actors;
using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Serialization;
using ActorRec.Cluster.Transport;
using ActorRec.Cluster.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Cluster.Remote;

/// <summary>
/// Location-transparent actor references across cluster nodes: issues <see cref="RemoteActorRef"/>s for paths on
/// other nodes, sends their messages through the transport, delivers inbound messages to local actors with a sender
/// ref that routes replies back, and runs remote death watch.
/// </summary>
/// <remarks>
/// <para>Wiring (one provider per node, before the node starts):</para>
/// <code>
/// var registry = new MessageSerializerRegistryBuilder().AddRemoting().Register&lt;MyMsg&gt;(...).Build();
/// var remote = new RemoteActorRefProvider(system, registry, loggers);
/// var node = new ClusterNode(settings, table, registry, remote, onSelfDown, onMembershipChanged: remote.OnMembershipChanged, ...);
/// remote.Attach(node.Transport);
/// await node.StartAsync();
/// IActorRef singleton = remote.RefFor(memberAddress, "/user/singleton");
/// </code>
/// <para>
/// Paths: a remote actor is named <c>actorrec://SYSTEM@HOST:PORT/user/...</c>, where HOST:PORT is the node's
/// transport address (its membership row's address). On the wire the recipient is the element path (<c>/user/a</c>),
/// the sender the full path of the sending actor with this node's address (a pending ask gets a unique
/// <c>/temp/$n</c> path for as long as it waits), so the receiving actor's <c>Sender</c> is a remote ref that routes
/// its reply back.
/// </para>
/// <para>
/// Death watch: the first local watcher of a remote actor sends one <see cref="RemoteWatch"/> to its node, whose
/// <see cref="RemoteWatcherActor"/> watches the actor locally and answers with a <see cref="RemoteDeathNotice"/> when it
/// stops (at once when no such actor runs). Independently, every membership snapshot is checked: when the watched
/// actor's node (the incarnation that was live when the watch began) is down, removed, or gone from the table, every
/// watcher gets <see cref="Terminated"/>. Messages to a node that is known to be gone go straight to dead letters.
/// Delivery is at most once, like the transport's.
/// </para>
/// </remarks>
public sealed partial class RemoteActorRefProvider : IRemoteMessageSink
{
    /// <summary>Name of the death-watch actor under /system.</summary>
    public const string WatcherName = "remote-watcher";

    /// <summary>Name of the ping actor under /system (answers <see cref="ClusterPing"/>).</summary>
    public const string PingName = "cluster-ping";

    /// <summary>Element path of every node's ping actor.</summary>
    public const string PingElements = "/system/" + PingName;

    private const string WatcherElements = "/system/" + WatcherName;
    private const int MaxCachedRefs = 100_000;

    private readonly ActorSystem _system;
    private readonly MessageSerializerRegistry _registry;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, RemoteActorRef> _refs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IActorRef> _recipients = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<IActorRef, string> _senderPaths = [];
    private readonly ConditionalWeakTable<IActorRef, string>.CreateValueCallback _makeSenderPath;
    private readonly Lock _watchGate = new();
    private readonly Dictionary<RemoteActorRef, WatchEntry> _watches = [];
    private MembershipSnapshot _membership = MembershipSnapshot.Empty;
    private HashSet<string> _goneAddresses = new(StringComparer.Ordinal);
    private ClusterTransport? _transport;
    private IActorRef? _watcher;

    // Per receive loop (one thread per connection at a time): the last sender and recipient strings it resolved. The
    // batch decoder hands out the same string instance for a repeated path, so a reference comparison hits.
    [ThreadStatic]
    private static LastResolved? t_lastResolved;

    // Per sending thread: the last sender ref and its path string (an actor sending a burst is the common case).
    [ThreadStatic]
    private static IActorRef? t_lastSender;

    [ThreadStatic]
    private static string? t_lastSenderPath;

    [ThreadStatic]
    private static RemoteActorRefProvider? t_lastSenderProvider;

    public RemoteActorRefProvider(ActorSystem system, MessageSerializerRegistry registry, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(registry);
        if (!RemoteSystemMessages.IsRegistered(registry))
        {
            throw new ArgumentException(
                "The message registry lacks the remoting messages: build it with MessageSerializerRegistryBuilder.AddRemoting().", nameof(registry));
        }

        _system = system;
        _registry = registry;
        _logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger<RemoteActorRefProvider>();
        _makeSenderPath = r => r.Path.WithAddress(SelfAddress).ToString();
    }

    public ActorSystem System => _system;

    public MessageSerializerRegistry Registry => _registry;

    /// <summary>This node's transport address ("host:port"); valid once the transport has started.</summary>
    public string SelfAddress => (_transport ?? throw NotAttached()).Self.Address;

    /// <summary>
    /// Connects the provider to the node's transport and starts the death-watch actor. Call once, after building the
    /// <see cref="ClusterNode"/> (with this provider as its sink) and before starting it.
    /// </summary>
    public void Attach(ClusterTransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        if (Interlocked.CompareExchange(ref _transport, transport, null) is not null)
        {
            throw new InvalidOperationException("The provider is already attached to a transport.");
        }

        _watcher = _system.SystemActorOf(Props.Create(() => new RemoteWatcherActor(this)), WatcherName);
        _system.SystemActorOf(Props.Create(() => new ClusterPingActor(() => new ClusterPong(transport.Self.NodeName, transport.Self.Incarnation))), PingName);
    }

    /// <summary>
    /// A remote ask to the ping actor of the node at <paramref name="address"/> (this node's own address asks locally):
    /// who answered and the round trip. Fails with <see cref="AskTimeoutException"/> when no answer comes within
    /// <paramref name="timeout"/>.
    /// </summary>
    public async Task<PingResult> PingAsync(string address, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var target = RefFor(address, PingElements);
        var started = Stopwatch.GetTimestamp();
        var pong = await target.Ask<ClusterPong>(ClusterPing.Instance, timeout, cancellationToken).ConfigureAwait(false);
        return new PingResult(pong, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// A reference to the actor at <paramref name="elements"/> (e.g. <c>/user/singleton</c>) on the node whose
    /// transport address is <paramref name="address"/> ("host:port", as in its membership row). For this node's own
    /// address the local actor is returned (dead letters when none runs there).
    /// </summary>
    public IActorRef RefFor(string address, string elements)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        ArgumentException.ThrowIfNullOrWhiteSpace(elements);
        if (elements[0] != '/')
        {
            throw new ArgumentException($"'{elements}' must be an element path starting with '/', e.g. /user/name.", nameof(elements));
        }

        return ResolveRef("actorrec://" + _system.Name + "@" + address + elements);
    }

    /// <summary>
    /// A reference for a full path (<c>actorrec://sys@host:port/user/a</c>, as produced by <see cref="PathStringOf"/>):
    /// a <see cref="RemoteActorRef"/> for another node, the local actor (or dead letters) for this node or for a path
    /// without address. Throws <see cref="FormatException"/> for a malformed path.
    /// </summary>
    public IActorRef ResolveRef(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (_refs.TryGetValue(path, out var cached))
        {
            return cached;
        }

        var parsed = ActorPath.Parse(path);
        if (parsed.Address is null || string.Equals(parsed.Address, SelfAddress, StringComparison.Ordinal))
        {
            return _system.ResolveLocal(parsed.ToElementString()) ?? _system.DeadLetters;
        }

        var remote = new RemoteActorRef(this, parsed);
        if (parsed.Parent?.Name == "temp" || _refs.Count >= MaxCachedRefs)
        {
            return remote; // one-shot ask paths are not worth caching
        }

        return _refs.GetOrAdd(remote.PathString, remote);
    }

    /// <summary>
    /// The full, node-qualified path of any ref as other nodes resolve it (for serializers of messages that carry
    /// refs): a local actor gets this node's address.
    /// </summary>
    public string PathStringOf(IActorRef actorRef)
    {
        ArgumentNullException.ThrowIfNull(actorRef);
        return actorRef is RemoteActorRef remote ? remote.PathString : _senderPaths.GetValue(actorRef, _makeSenderPath);
    }

    /// <summary>
    /// Feeds membership snapshots in (pass this method as the ClusterNode's <c>onMembershipChanged</c>): watched
    /// actors of nodes that are down, removed or gone get <see cref="Terminated"/>, and their messages go to dead letters.
    /// </summary>
    public void OnMembershipChanged(MembershipSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var gone = new HashSet<string>(StringComparer.Ordinal);
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in snapshot.Members)
        {
            (m.IsLive ? live : gone).Add(m.Address);
        }

        gone.ExceptWith(live);
        List<RemoteActorRef>? terminated = null;
        lock (_watchGate)
        {
            _membership = snapshot;
            Volatile.Write(ref _goneAddresses, gone);
            foreach (var (subject, entry) in _watches)
            {
                if (IsGone(snapshot, subject.Address, entry.Incarnation))
                {
                    (terminated ??= []).Add(subject);
                }
            }
        }

        foreach (var subject in terminated ?? [])
        {
            LogNodeGoneForWatch(subject.PathString);
            NotifyWatchers(subject);
        }

        if (_watcher is { } watcher)
        {
            foreach (var address in gone)
            {
                watcher.Tell(new RemoteWatcherActor.NodeGone(address), null);
            }
        }
    }

    void IRemoteMessageSink.Deliver(in InboundMessage message)
    {
        switch (message.Message)
        {
            case RemoteWatch watch:
                OnRemoteWatch(watch);
                return;
            case RemoteUnwatch unwatch:
                if (_system.ResolveLocal(unwatch.Target) is { } target)
                {
                    _watcher?.Tell(new RemoteWatcherActor.UnwatchFor(target, unwatch.WatcherAddress), null);
                }

                return;
            case RemoteDeathNotice death:
                if (ResolveRef(death.Subject) is RemoteActorRef subject)
                {
                    NotifyWatchers(subject);
                }

                return;
        }

        var last = t_lastResolved ??= new LastResolved();
        IActorRef? sender = null;
        if (message.Sender.Length != 0)
        {
            if (ReferenceEquals(message.Sender, last.SenderPath) && ReferenceEquals(last.Provider, this))
            {
                sender = last.Sender;
            }
            else
            {
                sender = ResolveSenderOrNull(message.Sender, message.From);
                last.Provider = this;
                last.SenderPath = message.Sender;
                last.Sender = sender;
                last.RecipientPath = null;
            }
        }

        IActorRef? recipient;
        if (ReferenceEquals(message.Recipient, last.RecipientPath) && ReferenceEquals(last.Provider, this) && !last.Recipient!.IsStoppedLocalActor())
        {
            recipient = last.Recipient;
        }
        else
        {
            recipient = ResolveRecipient(message.Recipient);
            if (recipient is not null && !message.Recipient.StartsWith("/temp/", StringComparison.Ordinal))
            {
                if (!ReferenceEquals(last.Provider, this))
                {
                    last.SenderPath = null;
                }

                last.Provider = this;
                last.RecipientPath = message.Recipient;
                last.Recipient = recipient;
            }
        }

        if (recipient is null)
        {
            LogNoRecipient(message.Recipient, message.From.NodeName, message.Message.GetType().Name);
            _system.DeadLetters.Tell(message.Message, sender);
            if (sender is RemoteActorRef asker && asker.Elements.StartsWith("/temp/", StringComparison.Ordinal) && message.Message is not Status.Failure)
            {
                // A remote ask to a path where nothing runs fails at once, as a local ask to a stopped actor does.
                asker.Tell(new Status.Failure(new RecipientTerminatedException(
                    $"The ask to {message.Recipient} on node {_transport?.Self.NodeName} went to dead letters: no actor runs there.")), null);
            }

            return;
        }

        recipient.Tell(message.Message, sender);
    }

    void IRemoteMessageSink.DeadLetter(PeerIdentity from, RemoteEnvelope envelope, string reason) =>
        _system.DeadLetters.Tell(new UndeliverableRemoteMessage(from.NodeName, envelope.Sender, envelope.Recipient, envelope.Manifest, reason), null);

    internal void Send(RemoteActorRef target, object message, IActorRef? sender)
    {
        var transport = _transport ?? throw NotAttached();
        if (!_registry.TrySerialize(message, out var manifest, out var payload))
        {
            throw new UnregisteredMessageTypeException(
                $"Cannot send a {message.GetType().FullName} to {target.PathString}: the type has no serializer in the message registry "
                + "(register it with MessageSerializerRegistryBuilder.Register on every node).");
        }

        var goneAddresses = Volatile.Read(ref _goneAddresses);
        if (goneAddresses.Count > 0 && goneAddresses.Contains(target.Address))
        {
            _system.DeadLetters.Tell(message, sender);
            return;
        }

        string senderPath;
        if (sender is null || ReferenceEquals(sender, ActorRefs.Nobody))
        {
            senderPath = "";
        }
        else if (ReferenceEquals(sender, t_lastSender) && ReferenceEquals(this, t_lastSenderProvider))
        {
            senderPath = t_lastSenderPath!;
        }
        else
        {
            senderPath = PathStringOf(sender);
            t_lastSender = sender;
            t_lastSenderPath = senderPath;
            t_lastSenderProvider = this;
        }

        var result = transport.SendEnvelope(target.Address, senderPath, target.Elements, manifest, payload);
        if (result != SendResult.Enqueued)
        {
            LogSendFailed(manifest, target.PathString, result);
            _system.DeadLetters.Tell(message, sender);
        }
    }

    internal void SendDeathNotice(string watcherAddress, string subjectPath) =>
        SendSystem(watcherAddress, new RemoteDeathNotice(subjectPath));

    internal void AddWatcher(RemoteActorRef subject, IActorRef watcher)
    {
        ArgumentNullException.ThrowIfNull(watcher);
        bool first;
        bool gone;
        lock (_watchGate)
        {
            first = !_watches.TryGetValue(subject, out var entry);
            if (first)
            {
                entry = new WatchEntry(LiveIncarnation(_membership, subject.Address));
                _watches[subject] = entry;
            }

            entry!.Watchers.Add(watcher);
            gone = IsGone(_membership, subject.Address, entry.Incarnation);
            if (first && !gone)
            {
                // Sent under the gate, so the node sees watches and unwatches of one actor in the order they were
                // decided: sent after the gate, a first watch could overtake the unwatch of the watcher before it
                // (watch, watch, unwatch on the wire), and the remote side would forget a live watch.
                SendSystem(subject.Address, new RemoteWatch(subject.Elements, SelfAddress));
            }
        }

        if (gone)
        {
            NotifyWatchers(subject);
        }
    }

    internal void RemoveWatcher(RemoteActorRef subject, IActorRef watcher)
    {
        bool last;
        lock (_watchGate)
        {
            last = _watches.TryGetValue(subject, out var entry) && entry.Watchers.Remove(watcher) && entry.Watchers.Count == 0;
            if (last)
            {
                _watches.Remove(subject);
                SendSystem(subject.Address, new RemoteUnwatch(subject.Elements, SelfAddress)); // under the gate: see AddWatcher
            }
        }
    }

    /// <summary>Local watches of remote actors now (diagnostics and tests).</summary>
    internal int WatchedCount
    {
        get
        {
            lock (_watchGate)
            {
                return _watches.Count;
            }
        }
    }

    private void OnRemoteWatch(RemoteWatch watch)
    {
        var target = _system.ResolveLocal(watch.Target);
        if (target is null || _watcher is null)
        {
            // No such actor (or it stopped already): the watcher learns at once, as for a local late watch.
            SendDeathNotice(watch.WatcherAddress, "actorrec://" + _system.Name + "@" + SelfAddress + watch.Target);
            return;
        }

        _watcher.Tell(new RemoteWatcherActor.WatchFor(target, watch.WatcherAddress), null);
    }

    private void NotifyWatchers(RemoteActorRef subject)
    {
        IActorRef[] watchers;
        lock (_watchGate)
        {
            if (!_watches.Remove(subject, out var entry))
            {
                return;
            }

            watchers = [.. entry.Watchers];
        }

        foreach (var watcher in watchers)
        {
            ForeignDeathWatch.NotifyTerminated(watcher, subject);
        }
    }

    /// <summary>
    /// The local recipient of an inbound message, through a cache of resolved element paths (an entry whose actor has
    /// stopped is resolved again, so a new actor under the same name is found). Pending-ask paths are not cached.
    /// </summary>
    private IActorRef? ResolveRecipient(string elements)
    {
        if (_recipients.TryGetValue(elements, out var cached) && !cached.IsStoppedLocalActor())
        {
            return cached;
        }

        var resolved = _system.ResolveLocal(elements);
        if (resolved is null)
        {
            _recipients.TryRemove(elements, out _);
        }
        else if (!elements.StartsWith("/temp/", StringComparison.Ordinal) && _recipients.Count < MaxCachedRefs)
        {
            _recipients[elements] = resolved;
        }

        return resolved;
    }

    private IActorRef? ResolveSenderOrNull(string sender, PeerIdentity from)
    {
        try
        {
            return ResolveRef(sender);
        }
        catch (FormatException ex)
        {
            LogBadSender(sender, from.NodeName, ex.Message);
            return null;
        }
    }

    private void SendSystem(string address, object message)
    {
        var transport = _transport ?? throw NotAttached();
        var registered = _registry.TrySerialize(message, out var manifest, out var payload);
        Debug.Assert(registered, "the constructor checked the remoting manifests");
        var result = transport.SendEnvelope(address, "", WatcherElements, manifest, payload);
        if (result != SendResult.Enqueued)
        {
            LogSendFailed(manifest, address + WatcherElements, result);
        }
    }

    private static long LiveIncarnation(MembershipSnapshot snapshot, string address)
    {
        foreach (var m in snapshot.Members)
        {
            if (m.IsLive && string.Equals(m.Address, address, StringComparison.Ordinal))
            {
                return m.Incarnation;
            }
        }

        return 0;
    }

    /// <summary>
    /// Whether the node behind a watch is gone: with a known incarnation, its row is not live or no longer in the
    /// table; without one, the address has rows and none of them is live.
    /// </summary>
    private static bool IsGone(MembershipSnapshot snapshot, string address, long incarnation)
    {
        if (snapshot.Version == 0)
        {
            return false;
        }

        var anyRow = false;
        foreach (var m in snapshot.Members)
        {
            if (!string.Equals(m.Address, address, StringComparison.Ordinal))
            {
                continue;
            }

            anyRow = true;
            if (incarnation != 0 && m.Incarnation == incarnation)
            {
                return !m.IsLive;
            }

            if (incarnation == 0 && m.IsLive)
            {
                return false;
            }
        }

        return incarnation != 0 || anyRow;
    }

    private static InvalidOperationException NotAttached() =>
        new("The remote actor-ref provider is not attached to a transport: call Attach(node.Transport) before starting the node.");

    private sealed class LastResolved
    {
        public RemoteActorRefProvider? Provider;
        public string? SenderPath;
        public IActorRef? Sender;
        public string? RecipientPath;
        public IActorRef? Recipient;
    }

    private sealed class WatchEntry(long incarnation)
    {
        public long Incarnation { get; } = incarnation;

        public HashSet<IActorRef> Watchers { get; } = [];
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Could not send {Manifest} to {Recipient}: {Result}; the message went to dead letters")]
    private partial void LogSendFailed(string manifest, string recipient, SendResult result);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "No actor at {Recipient} for a {MessageType} from node {Node}; it went to dead letters")]
    private partial void LogNoRecipient(string recipient, string node, string messageType);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Ignored the malformed sender path '{Sender}' from node {Node}: {Error}")]
    private partial void LogBadSender(string sender, string node, string error);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Information, Message = "The node of watched actor {Subject} is down or gone: its watchers get Terminated")]
    private partial void LogNodeGoneForWatch(string subject);
}

/// <summary>Published as a dead letter for an inbound remote message that could not be deserialized.</summary>
public sealed record UndeliverableRemoteMessage(string FromNode, string Sender, string Recipient, string Manifest, string Reason);
