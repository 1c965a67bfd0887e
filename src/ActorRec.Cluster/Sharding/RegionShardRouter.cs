using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Cluster.Sharding;

/// <summary>Where a shard lives, as the coordinator tells regions.</summary>
/// <param name="Shard">The shard.</param>
/// <param name="Owner">Its owner.</param>
/// <param name="Epoch">The ownership's fencing epoch.</param>
/// <param name="HandingOff">True while the owner is handing it off (regions buffer until the next home).</param>
/// <param name="HandoverFrom">Set on the first home after a handoff from a live owner: the new owner waits for that
/// node's buffered messages before serving.</param>
public sealed record ShardHome(int Shard, string Owner, long Epoch, bool HandingOff = false, string? HandoverFrom = null);

/// <summary>
/// The region side of sharding for one entity type on one node, as a synchronous state machine (the region actor
/// drives it from its mailbox and carries out the <see cref="IRegionEffects"/> it asks for).
/// <para>
/// <b>Handoff without loss or reordering.</b> Per sender, messages to an entity arrive in the order sent, across a
/// handoff from old owner O to new owner N. (1) The coordinator has persisted HandingOff and tells every region
/// (<see cref="OnBeginHandoff"/>). Each region other than O stops forwarding to O, buffers, and sends O a barrier
/// over its O link; since links are FIFO, everything it forwarded to O before reaches O first. (2) O buffers new
/// messages, passivates the shard's entities (they finish their work, persist and snapshot), and releases the shard
/// only when they have all stopped <i>and</i> every region's barrier has arrived (or the handoff timed out, or the
/// region went down): at that point O holds every message ever sent to it for the shard. (3) The coordinator
/// persists N as owner with the next epoch and tells everyone. O sends its buffer to N (<see cref="IRegionEffects.Handover"/>);
/// N buffers until that handover arrives, delivers it first, then its own buffer, then serves. Other regions flush
/// their buffers to N in order. So a message that went through O is delivered before any later message of the same
/// sender that went straight to N.
/// </para>
/// <para>
/// <b>Bounds.</b> Each shard's buffer holds at most <c>handoff-buffer-size</c> messages; beyond that the newest
/// message is refused (<see cref="IRegionEffects.Refused"/>, logged) and earlier ones keep their order. A stale home
/// (older epoch than one already seen) is ignored and logged. Not thread-safe: one caller (the region actor).
/// </para>
/// </summary>
public sealed class RegionShardRouter
{
    private readonly ShardResolver _resolver;
    private readonly int _bufferSize;
    private readonly IRegionEffects _effects;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<int, ShardEntry> _shards = [];

    public RegionShardRouter(string typeName, string selfNode, ShardResolver resolver, int bufferSize, IRegionEffects effects, ILogger? logger = null,
        TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        ArgumentException.ThrowIfNullOrEmpty(selfNode);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        ArgumentNullException.ThrowIfNull(effects);
        TypeName = typeName;
        SelfNode = selfNode;
        _resolver = resolver;
        _bufferSize = bufferSize;
        _effects = effects;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    public string TypeName { get; }

    public string SelfNode { get; }

    /// <summary>Messages refused because a shard's buffer was full.</summary>
    public long Refused { get; private set; }

    public ShardPhase PhaseOf(int shard) => _shards.TryGetValue(shard, out var e) ? e.Phase : ShardPhase.Unknown;

    /// <summary>The epoch this region last learned for <paramref name="shard"/> (0 when none).</summary>
    public long EpochOf(int shard) => _shards.TryGetValue(shard, out var e) ? e.Epoch : 0;

    /// <summary>The owner this region last learned for <paramref name="shard"/> (null when none).</summary>
    public string? OwnerOf(int shard) => _shards.TryGetValue(shard, out var e) ? e.Owner : null;

    public int BufferedFor(int shard) => _shards.TryGetValue(shard, out var e) ? e.Buffer.Count : 0;

    /// <summary>Routes a message from a local sender or forwarded by another region.</summary>
    public void Route(in RoutedMessage message)
    {
        var shard = _resolver.ShardOf(message.EntityId);
        var entry = Entry(shard);
        switch (entry.Phase)
        {
            case ShardPhase.Local:
                _effects.DeliverLocal(shard, entry.Epoch, message);
                break;
            case ShardPhase.Remote:
                _effects.Forward(entry.Owner!, shard, message);
                break;
            case ShardPhase.Unknown:
                entry.Phase = ShardPhase.Resolving;
                Buffer(shard, entry, message);
                RequestHome(shard, entry);
                break;
            default:
                Buffer(shard, entry, message);
                break;
        }
    }

    /// <summary>The coordinator says where <paramref name="home"/>'s shard lives.</summary>
    public void OnHome(ShardHome home)
    {
        ArgumentNullException.ThrowIfNull(home);
        var entry = Entry(home.Shard);
        if (home.Epoch < entry.Epoch)
        {
            ShardingLog.RegionStaleHomeRefused(_logger, TypeName, home.Shard, home.Epoch, entry.Epoch);
            return;
        }

        if (home.HandingOff)
        {
            entry.Epoch = home.Epoch;
            if (home.Owner != SelfNode && entry.Phase is ShardPhase.Unknown or ShardPhase.Remote or ShardPhase.Resolving)
            {
                entry.Phase = ShardPhase.Resolving;
                entry.Owner = home.Owner;
                _effects.SendBarrier(home.Owner, home.Shard, home.Epoch);
            }

            return;
        }

        if (home.Epoch == entry.Epoch && entry.Phase is ShardPhase.Local or ShardPhase.Remote or ShardPhase.AwaitingHandover)
        {
            return; // already known
        }

        var released = entry.ReleasedEpoch;
        entry.Epoch = home.Epoch;
        entry.Owner = home.Owner;
        entry.ReleasedEpoch = 0;
        if (home.Owner == SelfNode)
        {
            if (home.HandoverFrom is { } from && from != SelfNode && !(entry.Handover is { } h && h.Epoch == home.Epoch))
            {
                entry.Phase = ShardPhase.AwaitingHandover;
                entry.HandoverFrom = from;
                return;
            }

            StartLocal(home.Shard, entry);
            return;
        }

        entry.Phase = ShardPhase.Remote;
        if (released > 0)
        {
            // We were the old owner: our buffer goes to the new owner as one handover, ahead of anything else.
            var messages = entry.Buffer.ToArray();
            entry.Buffer.Clear();
            _effects.Handover(home.Owner, home.Shard, home.Epoch, messages);
            return;
        }

        while (entry.Buffer.TryDequeue(out var m))
        {
            _effects.Forward(home.Owner, home.Shard, m);
        }
    }

    /// <summary>
    /// The coordinator has persisted the start of a handoff of <paramref name="shard"/> from <paramref name="owner"/>
    /// at <paramref name="epoch"/>; <paramref name="regions"/> are the live regions whose barrier the owner waits for.
    /// </summary>
    public void OnBeginHandoff(int shard, string owner, long epoch, IReadOnlyCollection<string> regions)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner);
        ArgumentNullException.ThrowIfNull(regions);
        var entry = Entry(shard);
        if (epoch < entry.Epoch)
        {
            ShardingLog.RegionStaleHomeRefused(_logger, TypeName, shard, epoch, entry.Epoch);
            return;
        }

        if (owner != SelfNode)
        {
            entry.Epoch = epoch;
            entry.Owner = owner;
            entry.Phase = ShardPhase.Resolving;
            _effects.SendBarrier(owner, shard, epoch);
            return;
        }

        if (entry.Phase == ShardPhase.Stopping && entry.Epoch == epoch)
        {
            return;
        }

        entry.Epoch = epoch;
        entry.Phase = ShardPhase.Stopping;
        entry.EntitiesStopped = false;
        entry.PendingBarriers = new HashSet<string>(regions, StringComparer.Ordinal);
        entry.PendingBarriers.Remove(SelfNode);
        if (entry.EarlyBarriers is { } early)
        {
            foreach (var (node, e) in early)
            {
                if (e == epoch)
                {
                    entry.PendingBarriers.Remove(node);
                }
            }

            entry.EarlyBarriers = null;
        }

        ShardingLog.RegionHandoffStopping(_logger, TypeName, shard, epoch);
        _effects.StopEntities(shard);
    }

    /// <summary>Region <paramref name="fromNode"/> will send nothing more here for <paramref name="shard"/>.</summary>
    public void OnBarrier(int shard, long epoch, string fromNode)
    {
        ArgumentException.ThrowIfNullOrEmpty(fromNode);
        var entry = Entry(shard);
        if (entry.Phase == ShardPhase.Stopping && entry.Epoch == epoch)
        {
            entry.PendingBarriers!.Remove(fromNode);
            TryRelease(shard, entry);
        }
        else if (epoch >= entry.Epoch)
        {
            (entry.EarlyBarriers ??= []).Add((fromNode, epoch));
        }
    }

    /// <summary>Every entity of <paramref name="shard"/> has stopped (after persisting and snapshotting).</summary>
    public void OnEntitiesStopped(int shard)
    {
        var entry = Entry(shard);
        if (entry.Phase == ShardPhase.Stopping)
        {
            entry.EntitiesStopped = true;
            TryRelease(shard, entry);
        }
    }

    /// <summary>The handoff deadline passed: release now (late writes of entities still running are fenced by the epoch).</summary>
    public void OnHandoffTimeout(int shard, int entitiesStillRunning)
    {
        var entry = Entry(shard);
        if (entry.Phase == ShardPhase.Stopping)
        {
            ShardingLog.RegionHandoffTimedOut(_logger, TypeName, shard, entitiesStillRunning, entry.Epoch);
            entry.EntitiesStopped = true;
            entry.PendingBarriers!.Clear();
            TryRelease(shard, entry);
        }
    }

    /// <summary>The messages the old owner buffered during the handoff; they go before anything else.</summary>
    public void OnHandover(int shard, long epoch, IReadOnlyList<RoutedMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var entry = Entry(shard);
        if (epoch < entry.Epoch)
        {
            ShardingLog.RegionStaleHomeRefused(_logger, TypeName, shard, epoch, entry.Epoch);
            return;
        }

        if (entry.Epoch == epoch && entry.Phase is ShardPhase.Stopping or ShardPhase.Resolving)
        {
            // The shard moved on again before the handover arrived (a second handoff began while we awaited it):
            // these messages are older than everything buffered here, so they go to the front, and on to the next owner.
            var newer = entry.Buffer.ToArray();
            entry.Buffer.Clear();
            if (newer.Length == 0 && messages.Count > 0)
            {
                entry.BufferedSince = _time.GetTimestamp();
            }

            foreach (var m in messages)
            {
                entry.Buffer.Enqueue(m);
            }

            foreach (var m in newer)
            {
                entry.Buffer.Enqueue(m);
            }

            return;
        }

        entry.Handover = (epoch, messages);
        if (entry.Phase == ShardPhase.AwaitingHandover && entry.Epoch == epoch)
        {
            StartLocal(shard, entry);
        }
    }

    /// <summary>
    /// Asks the coordinator again for every shard still waiting for a home (the region actor calls this on a timer:
    /// an answer can be lost when the coordinator singleton moves). A shard released here is left alone: its new home
    /// is announced by the coordinator that completes the handoff. Returns how many were asked.
    /// </summary>
    public int RetryResolving()
    {
        var asked = 0;
        foreach (var (shard, entry) in _shards)
        {
            if (entry.Phase == ShardPhase.Resolving && entry.ReleasedEpoch == 0)
            {
                RequestHome(shard, entry);
                asked++;
            }
        }

        return asked;
    }

    /// <summary>A node is down: its barriers and handovers will never come.</summary>
    public void OnRegionDown(string node)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        foreach (var (shard, entry) in _shards)
        {
            if (entry.Phase == ShardPhase.Stopping && entry.PendingBarriers!.Remove(node))
            {
                TryRelease(shard, entry);
            }
            else if (entry.Phase == ShardPhase.AwaitingHandover && entry.HandoverFrom == node)
            {
                StartLocal(shard, entry);
            }
        }
    }

    private void TryRelease(int shard, ShardEntry entry)
    {
        if (!entry.EntitiesStopped || entry.PendingBarriers!.Count > 0)
        {
            return;
        }

        entry.Phase = ShardPhase.Resolving;
        entry.ReleasedEpoch = entry.Epoch;
        entry.PendingBarriers = null;
        ShardingLog.RegionShardReleased(_logger, TypeName, shard, entry.Epoch, entry.Buffer.Count);
        _effects.Released(shard, entry.Epoch);
    }

    private void StartLocal(int shard, ShardEntry entry)
    {
        entry.Phase = ShardPhase.Local;
        entry.HandoverFrom = null;
        var delivered = 0;
        if (entry.Handover is { } handover && handover.Epoch == entry.Epoch)
        {
            foreach (var m in handover.Messages)
            {
                _effects.DeliverLocal(shard, entry.Epoch, m);
                delivered++;
            }
        }

        entry.Handover = null;
        while (entry.Buffer.TryDequeue(out var m))
        {
            _effects.DeliverLocal(shard, entry.Epoch, m);
            delivered++;
        }

        ShardingLog.RegionShardStarted(_logger, TypeName, shard, entry.Epoch, delivered);
    }

    private void RequestHome(int shard, ShardEntry entry)
    {
        entry.HomeRequestedAt = _time.GetTimestamp();
        _effects.RequestHome(shard);
    }

    private void Buffer(int shard, ShardEntry entry, in RoutedMessage message)
    {
        if (entry.Buffer.Count >= _bufferSize)
        {
            Refused++;
            ShardingLog.RegionBufferFull(_logger, TypeName, shard, _bufferSize, message.EntityId);
            _effects.Refused(shard, message);
            return;
        }

        if (entry.Buffer.Count == 0)
        {
            entry.BufferedSince = _time.GetTimestamp();
        }

        entry.Buffer.Enqueue(message);
    }

    /// <summary>
    /// Adds to <paramref name="into"/> the shards with buffered messages or in a phase other than Local and Remote,
    /// and <paramref name="alsoShard"/> (when not negative) whatever its state; counts every phase into
    /// <paramref name="phases"/>. For <see cref="RegionDiagnostics"/>.
    /// </summary>
    public void Describe(List<RegionShardDiagnostics> into, Dictionary<string, int> phases, int alsoShard = -1)
    {
        ArgumentNullException.ThrowIfNull(into);
        ArgumentNullException.ThrowIfNull(phases);
        foreach (var (shard, e) in _shards)
        {
            var phase = e.Phase.ToString();
            phases[phase] = phases.GetValueOrDefault(phase) + 1;
            if (e.Buffer.Count == 0 && e.Phase is ShardPhase.Local or ShardPhase.Remote && shard != alsoShard)
            {
                continue;
            }

            into.Add(new RegionShardDiagnostics(shard, phase, e.Owner, e.Epoch, e.Buffer.Count,
                e.Buffer.Count > 0 ? _time.GetElapsedTime(e.BufferedSince) : null,
                e.HomeRequestedAt is { } asked ? _time.GetElapsedTime(asked) : null,
                e.ReleasedEpoch, e.PendingBarriers?.Count ?? 0, e.HandoverFrom));
        }

        if (alsoShard >= 0 && !_shards.ContainsKey(alsoShard))
        {
            into.Add(new RegionShardDiagnostics(alsoShard, nameof(ShardPhase.Unknown), null, 0, 0, null, null, 0, 0, null));
        }

        into.Sort(static (a, b) => a.Shard.CompareTo(b.Shard));
    }

    /// <summary>How long the oldest buffered message of any shard has waited (zero when none is buffered).</summary>
    public TimeSpan OldestBuffered()
    {
        var oldest = TimeSpan.Zero;
        foreach (var e in _shards.Values)
        {
            if (e.Buffer.Count > 0 && _time.GetElapsedTime(e.BufferedSince) is var age && age > oldest)
            {
                oldest = age;
            }
        }

        return oldest;
    }

    private ShardEntry Entry(int shard)
    {
        Debug.Assert((uint)shard < (uint)_resolver.NumberOfShards, "shard out of range");
        if (!_shards.TryGetValue(shard, out var entry))
        {
            entry = new ShardEntry();
            _shards[shard] = entry;
        }

        return entry;
    }

    private sealed class ShardEntry
    {
        public ShardPhase Phase { get; set; }

        public string? Owner { get; set; }

        public long Epoch { get; set; }

        public Queue<RoutedMessage> Buffer { get; } = new();

        public bool EntitiesStopped { get; set; }

        public HashSet<string>? PendingBarriers { get; set; }

        public List<(string Node, long Epoch)>? EarlyBarriers { get; set; }

        /// <summary>Non-zero after this region released the shard, until it learns the new owner.</summary>
        public long ReleasedEpoch { get; set; }

        public string? HandoverFrom { get; set; }

        /// <summary>When the buffer last went from empty to non-empty (diagnostics).</summary>
        public long BufferedSince { get; set; }

        /// <summary>When the coordinator was last asked for the home (null: never; diagnostics).</summary>
        public long? HomeRequestedAt { get; set; }

        public (long Epoch, IReadOnlyList<RoutedMessage> Messages)? Handover { get; set; }
    }
}
