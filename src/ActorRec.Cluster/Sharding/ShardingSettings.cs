using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Cluster.Sharding;

/// <summary>
/// Typed settings of cluster sharding (section <c>actorrec.sharding</c> of the module's <c>reference.conf</c>, which
/// documents every key and ships the same defaults as this record). Build with <see cref="Create"/> or from config
/// with <see cref="Read"/>; both name the bad key.
/// </summary>
public sealed record ShardingSettings
{
    /// <summary>Configuration path of this section.</summary>
    public const string Section = "actorrec.sharding";

    /// <summary>The keys of the section (relative to <see cref="Section"/>), as in reference.conf.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "number-of-shards", "rebalance-interval", "rebalance-absolute-threshold", "rebalance-relative-threshold",
        "max-simultaneous-moves", "handoff-timeout", "handoff-buffer-size",
        "passivation.idle-timeout", "passivation.max-resident-entities",
        "recovery.entities-per-second", "recovery.burst",
        "retry-interval", "coordinator-timeout", "drain-timeout",
    ];

    public int NumberOfShards { get; private init; } = 256;
    public TimeSpan RebalanceInterval { get; private init; } = TimeSpan.FromSeconds(10);
    public int RebalanceAbsoluteThreshold { get; private init; } = 2;
    public double RebalanceRelativeThreshold { get; private init; } = 0.1;
    public int MaxSimultaneousMoves { get; private init; } = 8;
    public TimeSpan HandoffTimeout { get; private init; } = TimeSpan.FromSeconds(20);
    public int HandoffBufferSize { get; private init; } = 10_000;
    public TimeSpan IdleTimeout { get; private init; } = TimeSpan.FromMinutes(2);
    public int MaxResidentEntities { get; private init; } = 200_000;
    public double RecoveryEntitiesPerSecond { get; private init; } = 2_000;
    public int RecoveryBurst { get; private init; } = 200;

    /// <summary>How often a region asks again for shards without a home and looks the coordinator up again.</summary>
    public TimeSpan RetryInterval { get; private init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an operator request waits for the coordinator's answer before locating it again.</summary>
    public TimeSpan CoordinatorTimeout { get; private init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a graceful leave waits for the node's shards to be handed off before leaving anyway.</summary>
    public TimeSpan DrainTimeout { get; private init; } = TimeSpan.FromMinutes(2);

    /// <summary>Every default of reference.conf.</summary>
    public static ShardingSettings Default { get; } = new();

    /// <summary>Validates and builds settings; each argument left null keeps its default. Errors name the key.</summary>
    public static ShardingSettings Create(
        int? numberOfShards = null,
        TimeSpan? rebalanceInterval = null,
        int? rebalanceAbsoluteThreshold = null,
        double? rebalanceRelativeThreshold = null,
        int? maxSimultaneousMoves = null,
        TimeSpan? handoffTimeout = null,
        int? handoffBufferSize = null,
        TimeSpan? idleTimeout = null,
        int? maxResidentEntities = null,
        double? recoveryEntitiesPerSecond = null,
        int? recoveryBurst = null,
        TimeSpan? retryInterval = null,
        TimeSpan? coordinatorTimeout = null,
        TimeSpan? drainTimeout = null)
    {
        var d = Default;
        var s = new ShardingSettings
        {
            NumberOfShards = numberOfShards ?? d.NumberOfShards,
            RebalanceInterval = rebalanceInterval ?? d.RebalanceInterval,
            RebalanceAbsoluteThreshold = rebalanceAbsoluteThreshold ?? d.RebalanceAbsoluteThreshold,
            RebalanceRelativeThreshold = rebalanceRelativeThreshold ?? d.RebalanceRelativeThreshold,
            MaxSimultaneousMoves = maxSimultaneousMoves ?? d.MaxSimultaneousMoves,
            HandoffTimeout = handoffTimeout ?? d.HandoffTimeout,
            HandoffBufferSize = handoffBufferSize ?? d.HandoffBufferSize,
            IdleTimeout = idleTimeout ?? d.IdleTimeout,
            MaxResidentEntities = maxResidentEntities ?? d.MaxResidentEntities,
            RecoveryEntitiesPerSecond = recoveryEntitiesPerSecond ?? d.RecoveryEntitiesPerSecond,
            RecoveryBurst = recoveryBurst ?? d.RecoveryBurst,
            RetryInterval = retryInterval ?? d.RetryInterval,
            CoordinatorTimeout = coordinatorTimeout ?? d.CoordinatorTimeout,
            DrainTimeout = drainTimeout ?? d.DrainTimeout,
        };
        Require(s.NumberOfShards is >= 1 and <= 65_536, "number-of-shards", "must be in 1..65536");
        Require(s.RebalanceInterval > TimeSpan.Zero, "rebalance-interval", "must be a positive duration");
        Require(s.RebalanceAbsoluteThreshold >= 2, "rebalance-absolute-threshold", "must be at least 2 (a difference of 1 cannot be improved)");
        Require(s.RebalanceRelativeThreshold is >= 0 and <= 10 && double.IsFinite(s.RebalanceRelativeThreshold),
            "rebalance-relative-threshold", "must be in 0..10");
        Require(s.MaxSimultaneousMoves >= 1, "max-simultaneous-moves", "must be at least 1");
        Require(s.HandoffTimeout > TimeSpan.Zero, "handoff-timeout", "must be a positive duration");
        Require(s.HandoffBufferSize >= 1, "handoff-buffer-size", "must be at least 1");
        Require(s.IdleTimeout >= TimeSpan.Zero, "passivation.idle-timeout", "must not be negative (0 turns idle passivation off)");
        Require(s.MaxResidentEntities >= 1, "passivation.max-resident-entities", "must be at least 1");
        Require(s.RecoveryEntitiesPerSecond > 0 && double.IsFinite(s.RecoveryEntitiesPerSecond),
            "recovery.entities-per-second", "must be a positive number");
        Require(s.RecoveryBurst >= 1, "recovery.burst", "must be at least 1");
        Require(s.RetryInterval > TimeSpan.Zero, "retry-interval", "must be a positive duration");
        Require(s.CoordinatorTimeout > TimeSpan.Zero, "coordinator-timeout", "must be a positive duration");
        Require(s.DrainTimeout > TimeSpan.Zero, "drain-timeout", "must be a positive duration");
        return s;
    }

    /// <summary>Reads the <c>actorrec.sharding</c> section of a resolved root config (unknown keys are refused).</summary>
    /// <exception cref="SettingsException">A key is missing, unknown, of the wrong type or out of range.</exception>
    public static ShardingSettings Read(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var s = config.GetSection(Section);
        s.RejectUnknownKeys(Keys);
        var shards = s.GetPositiveInt("number-of-shards");
        var interval = s.GetPositiveDuration("rebalance-interval");
        var absolute = s.GetPositiveInt("rebalance-absolute-threshold");
        var relative = s.GetDoubleInRange("rebalance-relative-threshold", 0, 10);
        var moves = s.GetPositiveInt("max-simultaneous-moves");
        var handoffTimeout = s.GetPositiveDuration("handoff-timeout");
        var buffer = s.GetPositiveInt("handoff-buffer-size");
        var idle = s.GetNonNegativeDuration("passivation.idle-timeout");
        var resident = s.GetPositiveInt("passivation.max-resident-entities");
        var rate = s.GetDoubleInRange("recovery.entities-per-second", double.Epsilon, double.MaxValue);
        var burst = s.GetPositiveInt("recovery.burst");
        var retry = s.GetPositiveDuration("retry-interval");
        var coordinatorTimeout = s.GetPositiveDuration("coordinator-timeout");
        var drainTimeout = s.GetPositiveDuration("drain-timeout");
        return s.Build(() => Create(shards, interval, absolute, relative, moves, handoffTimeout, buffer, idle, resident, rate, burst,
            retry, coordinatorTimeout, drainTimeout));
    }

    private static void Require(bool condition, string key, string problem)
    {
        if (!condition)
        {
            throw new ArgumentException($"Invalid setting '{Section}.{key}': {problem}.", key);
        }
    }
}
