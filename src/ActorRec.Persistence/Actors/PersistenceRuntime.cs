using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Serialization;
using ActorRec.Persistence.Snapshots;
using Microsoft.Extensions.Logging;

namespace ActorRec.Persistence.Actors;

/// <summary>
/// What persistent actors of a process share: the journal, the snapshot store, the serializer registry, settings and
/// the registry of live incarnations. Create one per process (per journal) and pass it to every persistent actor.
/// </summary>
public sealed class PersistenceRuntime : IAsyncDisposable
{
    private readonly bool _ownsStores;

    public PersistenceRuntime(IJournal journal, ISnapshotStore snapshots, EventSerializerRegistry registry, PersistenceSettings settings,
        TimeProvider? time = null)
        : this(journal, snapshots, registry, settings, time, ownsStores: false)
    {
    }

    private PersistenceRuntime(IJournal journal, ISnapshotStore snapshots, EventSerializerRegistry registry, PersistenceSettings settings,
        TimeProvider? time, bool ownsStores)
    {
        Journal = journal ?? throw new ArgumentNullException(nameof(journal));
        Snapshots = snapshots ?? throw new ArgumentNullException(nameof(snapshots));
        Registry = registry ?? throw new ArgumentNullException(nameof(registry));
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        Time = time ?? TimeProvider.System;
        _ownsStores = ownsStores;
    }

    public IJournal Journal { get; }

    public ISnapshotStore Snapshots { get; }

    public EventSerializerRegistry Registry { get; }

    public PersistenceSettings Settings { get; }

    public TimeProvider Time { get; }

    public IncarnationRegistry Incarnations { get; } = new();

    /// <summary>Opens the plug-in named by the settings; the runtime then owns (and disposes) journal and snapshot store.</summary>
    public static PersistenceRuntime Open(PersistenceSettings settings, EventSerializerRegistry registry, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        JournalBase journal = PersistenceFactory.CreateJournal(settings, time, logger);
        return new PersistenceRuntime(journal, PersistenceFactory.CreateSnapshotStore(settings), registry, settings, time, ownsStores: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsStores)
        {
            await Journal.DisposeAsync().ConfigureAwait(false);
            await Snapshots.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>A second live incarnation of a persistence id was started in this process.</summary>
public sealed class PersistenceIdInUseException(string persistenceId)
    : InvalidOperationException($"Persistence id '{persistenceId}' already has a live incarnation in this process; stop it before starting another.")
{
    public string PersistenceId { get; } = persistenceId;
}

/// <summary>
/// At most one live incarnation per persistence id: two actors writing the same id would interleave sequence numbers
/// (the journal would reject one, but the other's in-memory state would already have diverged).
/// <para>
/// One entry per resident persistent actor, so its size counts in the memory per resident entity: a plain dictionary
/// under a lock (28 bytes an entry) rather than a concurrent one (a 48-byte node per entry plus its bucket). Claims and
/// releases happen once per incarnation, at start and stop, never per message, so the lock is not contended.
/// </para>
/// </summary>
public sealed class IncarnationRegistry
{
    private readonly Dictionary<string, object> _live = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _live.Count;
            }
        }
    }

    public bool IsLive(string persistenceId)
    {
        lock (_gate)
        {
            return _live.ContainsKey(persistenceId);
        }
    }

    /// <summary>Claims the id for <paramref name="owner"/>; throws <see cref="PersistenceIdInUseException"/> when another owner holds it.</summary>
    public void Acquire(string persistenceId, object owner)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentNullException.ThrowIfNull(owner);
        lock (_gate)
        {
            if (!_live.TryAdd(persistenceId, owner) && !ReferenceEquals(_live[persistenceId], owner))
            {
                throw new PersistenceIdInUseException(persistenceId);
            }
        }
    }

    /// <summary>Releases the id if <paramref name="owner"/> holds it.</summary>
    public void Release(string persistenceId, object owner)
    {
        lock (_gate)
        {
            if (_live.TryGetValue(persistenceId, out var holder) && ReferenceEquals(holder, owner))
            {
                _live.Remove(persistenceId);
            }
        }
    }
}
