using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Persistence;

/// <summary>
/// Builds <see cref="PersistenceSettings"/> from the resolved config, once at start-up: reads every key of the
/// <c>actorrec.persistence</c> section of the embedded <c>reference.conf</c>, refuses keys it does not know, and
/// reports a bad value as a <see cref="SettingsException"/> naming the full key path.
/// </summary>
public static class PersistenceSettingsReader
{
    /// <summary>The keys of the section (relative to <see cref="PersistenceSettings.Section"/>), as in reference.conf.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "plugin", "data-dir", "sqlite.synchronous", "postgres.connection-string",
        "group-commit.max-batch", "group-commit.max-bytes", "group-commit.window",
        "query.read-batch", "query.poll-interval", "query.gap-timeout",
        "snapshot.every", "snapshot.on-passivation", "snapshot.delete-events",
    ];

    /// <summary>Reads the <c>actorrec.persistence</c> section of a resolved root config.</summary>
    /// <exception cref="SettingsException">A key is missing, unknown, of the wrong type or out of range.</exception>
    public static PersistenceSettings Read(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.GetSection(PersistenceSettings.Section);
        section.RejectUnknownKeys(Keys);
        var plugin = section.GetRequiredString("plugin");
        var dataDir = section.GetOptionalString("data-dir") ?? "";
        var synchronous = section.GetRequiredString("sqlite.synchronous");
        var connectionString = section.GetOptionalString("postgres.connection-string");
        var maxBatchRows = section.GetPositiveInt("group-commit.max-batch");
        var maxBatchBytes = section.GetPositiveBytes("group-commit.max-bytes");
        var window = section.GetNonNegativeDuration("group-commit.window");
        var readBatch = section.GetPositiveInt("query.read-batch");
        var pollInterval = section.GetPositiveDuration("query.poll-interval");
        var gapTimeout = section.GetNonNegativeDuration("query.gap-timeout");
        var snapshotEvery = section.GetNonNegativeInt("snapshot.every");
        var snapshotOnPassivation = section.GetFlag("snapshot.on-passivation");
        var deleteEvents = section.GetFlag("snapshot.delete-events");

        // Create parses the plugin and synchronous names and checks the cross-key rules (data-dir for sqlite,
        // connection-string for postgres, window <= 1s); its ArgumentException names the key as ParamName.
        return section.Build(() => PersistenceSettings.Create(
            plugin, dataDir, connectionString, maxBatchRows, maxBatchBytes, window, synchronous,
            readBatch, pollInterval, gapTimeout, snapshotEvery, snapshotOnPassivation, deleteEvents));
    }
}
