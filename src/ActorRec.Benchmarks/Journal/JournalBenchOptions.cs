using ActorRec.Persistence;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.Serialization;

namespace ActorRec.Benchmarks.Journal;

/// <summary>Options of <c>actorrec bench journal</c>.</summary>
public sealed record JournalBenchOptions
{
    /// <summary>sqlite or postgres.</summary>
    public string Store { get; init; } = "sqlite";

    /// <summary>PostgreSQL connection string; when null with store = postgres, a throwaway server is started (fsync on).</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>Directory for the SQLite files; a temp dir (deleted afterwards) when null.</summary>
    public string? DataDir { get; init; }

    /// <summary>Multiplies every event count (0.1 for a smoke run, 1 for the reported figures).</summary>
    public double Scale { get; init; } = 1.0;

    /// <summary>Events each actor persists, per phase (actors → events each) at scale 1.</summary>
    public int EventsPerActorAt1 { get; init; } = 1_000;

    public int EventsPerActorAt100 { get; init; } = 600;

    public int EventsPerActorAt10000 { get; init; } = 30;

    /// <summary>Recovery data set: actors × events each, replayed by as many actors at once.</summary>
    public int RecoveryActors { get; init; } = 20;

    public int RecoveryEventsPerActor { get; init; } = 20_000;

    /// <summary>Payload bytes per event (an interaction event is about this size).</summary>
    public int PayloadBytes { get; init; } = 100;

    /// <summary>Opens the persistence runtime of the run from the store's settings (null = <see cref="PersistenceRuntime.Open"/>).
    /// Tests pass one over a journal that fails on purpose.</summary>
    public Func<PersistenceSettings, EventSerializerRegistry, PersistenceRuntime>? OpenRuntime { get; init; }

    /// <summary>Progress lines (null = silent).</summary>
    public Action<string>? Log { get; init; }

    public void Validate()
    {
        if (Store is not ("sqlite" or "postgres"))
        {
            throw new ArgumentException($"--store must be sqlite or postgres, not '{Store}'.", nameof(Store));
        }

        if (Scale is <= 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(Scale), Scale, "--scale must be in (0, 100].");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PayloadBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(RecoveryActors);
    }

    internal int Scaled(int count) => Math.Max(1, (int)Math.Round(count * Scale));
}
