using ActorRec.Persistence.InMemory;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Postgres;
using ActorRec.Persistence.Snapshots;
using ActorRec.Persistence.Sqlite;
using Microsoft.Extensions.Logging;

namespace ActorRec.Persistence;

/// <summary>Creates the journal and snapshot store named by <see cref="PersistenceSettings.Plugin"/>.</summary>
public static class PersistenceFactory
{
    public static JournalBase CreateJournal(PersistenceSettings settings, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Plugin switch
        {
            PersistencePlugin.Sqlite => new SqliteJournal(settings, time, logger),
            PersistencePlugin.Postgres => new PostgresJournal(settings, time, logger),
            PersistencePlugin.InMemory => new InMemoryJournal(settings, time, logger),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Plugin, "Unknown persistence plug-in."),
        };
    }

    public static ISnapshotStore CreateSnapshotStore(PersistenceSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Plugin switch
        {
            PersistencePlugin.Sqlite => new SqliteSnapshotStore(settings),
            PersistencePlugin.Postgres => new PostgresSnapshotStore(settings),
            PersistencePlugin.InMemory => new InMemorySnapshotStore(),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Plugin, "Unknown persistence plug-in."),
        };
    }
}
