namespace ActorRec.Persistence;

/// <summary>Which journal/snapshot plug-in to use.</summary>
public enum PersistencePlugin
{
    Sqlite,
    Postgres,
    InMemory,
}

/// <summary>
/// Typed settings of the persistence module (section <c>actorrec.persistence</c> of reference.conf, embedded in
/// this assembly). Build with <see cref="Create"/>, which validates every value and names the bad key.
/// </summary>
public sealed record PersistenceSettings
{
    public const string Section = "actorrec.persistence";

    public static PersistenceSettings Default { get; } = new();

    public PersistencePlugin Plugin { get; init; } = PersistencePlugin.Sqlite;

    public string DataDir { get; init; } = "data";

    public string? ConnectionString { get; init; }

    public int MaxBatchRows { get; init; } = 8192;

    public long MaxBatchBytes { get; init; } = 16L * 1024 * 1024;

    public TimeSpan BatchWindow { get; init; } = TimeSpan.Zero;

    public bool SqliteSynchronousFull { get; init; } = true;

    public int ReadBatchSize { get; init; } = 4096;

    public TimeSpan LivePollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan GapTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int SnapshotEvery { get; init; } = 1000;

    public bool SnapshotOnPassivation { get; init; } = true;

    public bool DeleteEventsOnSnapshot { get; init; }

    /// <summary>Validates and builds settings; every argument defaults to reference.conf.</summary>
    public static PersistenceSettings Create(
        string plugin = "sqlite",
        string dataDir = "data",
        string? connectionString = null,
        int maxBatchRows = 8192,
        long maxBatchBytes = 16L * 1024 * 1024,
        TimeSpan? batchWindow = null,
        string sqliteSynchronous = "full",
        int readBatchSize = 4096,
        TimeSpan? livePollInterval = null,
        TimeSpan? gapTimeout = null,
        int snapshotEvery = 1000,
        bool snapshotOnPassivation = true,
        bool deleteEventsOnSnapshot = false)
    {
        PersistencePlugin kind = plugin?.Trim().ToLowerInvariant() switch
        {
            "sqlite" => PersistencePlugin.Sqlite,
            "postgres" or "postgresql" => PersistencePlugin.Postgres,
            "inmem" or "in-memory" or "memory" => PersistencePlugin.InMemory,
            _ => throw Bad("plugin", plugin, "expected sqlite, postgres or inmem"),
        };
        if (kind == PersistencePlugin.Sqlite && string.IsNullOrWhiteSpace(dataDir))
        {
            throw Bad("data-dir", dataDir, "the SQLite journal needs a directory");
        }

        if (kind == PersistencePlugin.Postgres && string.IsNullOrWhiteSpace(connectionString))
        {
            throw Bad("postgres.connection-string", connectionString, "required when plugin = postgres");
        }

        Positive("group-commit.max-batch", maxBatchRows);
        Positive("group-commit.max-bytes", maxBatchBytes);
        TimeSpan window = batchWindow ?? TimeSpan.Zero;
        if (window < TimeSpan.Zero || window > TimeSpan.FromSeconds(1))
        {
            throw Bad("group-commit.window", window, "expected 0 to 1s");
        }

        bool full = sqliteSynchronous?.Trim().ToLowerInvariant() switch
        {
            "full" => true,
            "normal" => false,
            _ => throw Bad("sqlite.synchronous", sqliteSynchronous, "expected full or normal"),
        };
        Positive("query.read-batch", readBatchSize);
        TimeSpan poll = livePollInterval ?? TimeSpan.FromSeconds(1);
        if (poll <= TimeSpan.Zero)
        {
            throw Bad("query.poll-interval", poll, "must be > 0");
        }

        TimeSpan gap = gapTimeout ?? TimeSpan.FromSeconds(10);
        if (gap < TimeSpan.Zero)
        {
            throw Bad("query.gap-timeout", gap, "must be >= 0");
        }

        if (snapshotEvery < 0)
        {
            throw Bad("snapshot.every", snapshotEvery, "must be >= 0 (0 = never by count)");
        }

        return new PersistenceSettings
        {
            Plugin = kind,
            DataDir = dataDir,
            ConnectionString = connectionString,
            MaxBatchRows = maxBatchRows,
            MaxBatchBytes = maxBatchBytes,
            BatchWindow = window,
            SqliteSynchronousFull = full,
            ReadBatchSize = readBatchSize,
            LivePollInterval = poll,
            GapTimeout = gap,
            SnapshotEvery = snapshotEvery,
            SnapshotOnPassivation = snapshotOnPassivation,
            DeleteEventsOnSnapshot = deleteEventsOnSnapshot,
        };
    }

    /// <summary>The embedded reference.conf text (every key commented).</summary>
    public static string ReferenceConfig()
    {
        using Stream stream = typeof(PersistenceSettings).Assembly.GetManifestResourceStream("ActorRec.Persistence.reference.conf")
            ?? throw new InvalidOperationException("reference.conf is not embedded in ActorRec.Persistence.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static void Positive(string key, long value)
    {
        if (value <= 0)
        {
            throw Bad(key, value, "must be > 0");
        }
    }

    private static ArgumentException Bad(string key, object? value, string why) =>
        new($"{Section}.{key} = '{value}' is invalid: {why}.", key);
}
