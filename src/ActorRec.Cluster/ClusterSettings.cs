using System.Globalization;

namespace ActorRec.Cluster;

/// <summary>Which <see cref="Membership.IMembershipTable"/> (and lease store) a node uses.</summary>
public enum MembershipStoreKind
{
    /// <summary>Process-local; only for a single node and for tests.</summary>
    InMemory,

    /// <summary>A SQLite file; nodes on one machine sharing a file, or a single node.</summary>
    Sqlite,

    /// <summary>PostgreSQL; the store for real clusters.</summary>
    Postgres,
}

/// <summary>
/// Typed settings of the cluster module, read once at start-up from the <c>actorrec.cluster</c> section
/// (see the embedded <c>reference.conf</c>, which documents every key and holds the same defaults as this record).
/// Build it with <see cref="Create"/> (from configuration) or with an object initializer followed by
/// <see cref="Validate"/>; both throw <see cref="ClusterSettingsException"/> naming the offending key.
/// </summary>
public sealed record ClusterSettings
{
    /// <summary>Configuration path of this section.</summary>
    public const string Section = "actorrec.cluster";

    /// <summary>Environment variable that carries the cluster secret (it wins over configuration).</summary>
    public const string SecretEnvironmentVariable = "ACTORREC_CLUSTER_SECRET";

    public string ClusterName { get; init; } = "actorrec";
    public string NodeName { get; init; } = "node-1";
    public string Hostname { get; init; } = "127.0.0.1";
    public string BindHost { get; init; } = "0.0.0.0";
    public int Port { get; init; } = 7355;
    public string Secret { get; init; } = "";
    public IReadOnlyList<string> Roles { get; init; } = [];

    public MembershipStoreKind MembershipStore { get; init; } = MembershipStoreKind.InMemory;
    public string ConnectionString { get; init; } = "";
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan DownAfter { get; init; } = TimeSpan.FromSeconds(7);
    public int DownQuorum { get; init; } = 2;
    public TimeSpan SuspicionTimeToLive { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan DeadRowRetention { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);
    public double PhiThreshold { get; init; } = 8.0;
    public TimeSpan MinStdDeviation { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan AcceptableHeartbeatPause { get; init; } = TimeSpan.FromSeconds(3);
    public int MaxSampleSize { get; init; } = 200;
    public TimeSpan FirstHeartbeatEstimate { get; init; } = TimeSpan.FromSeconds(1);

    public int MaxFrameSize { get; init; } = 4 * 1024 * 1024;
    public int OutboundQueueSize { get; init; } = 100_000;
    public int WriteBatchBytes { get; init; } = 64 * 1024;
    public long PauseWriterThreshold { get; init; } = 4L * 1024 * 1024;
    public long ResumeWriterThreshold { get; init; } = 2L * 1024 * 1024;
    public TimeSpan ReconnectMinBackoff { get; init; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan ReconnectMaxBackoff { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public bool TlsEnabled { get; init; }
    public string TlsCertificatePath { get; init; } = "";
    public string TlsCertificatePassword { get; init; } = "";

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>"host:port" under which peers reach this node.</summary>
    public string Address => Hostname + ":" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads settings from a flat key lookup (full HOCON paths such as <c>actorrec.cluster.port</c> → raw value,
    /// null when absent). Absent keys keep the defaults of this record; the secret comes from
    /// <see cref="SecretEnvironmentVariable"/> when that variable is set.
    /// </summary>
    public static ClusterSettings Create(Func<string, string?> lookup, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        environment ??= Environment.GetEnvironmentVariable;
        var d = new ClusterSettings();
        var r = new SettingsReader(lookup, Section);
        var settings = new ClusterSettings
        {
            ClusterName = r.String("cluster-name", d.ClusterName),
            NodeName = r.String("node-name", d.NodeName),
            Hostname = r.String("hostname", d.Hostname),
            BindHost = r.String("bind-host", d.BindHost),
            Port = r.Int("port", d.Port),
            Secret = environment(SecretEnvironmentVariable) is { Length: > 0 } env ? env : r.String("secret", d.Secret),
            Roles = r.StringList("roles", d.Roles),
            MembershipStore = r.Enum("membership.store", d.MembershipStore),
            ConnectionString = r.String("membership.connection-string", d.ConnectionString),
            PollInterval = r.Duration("membership.poll-interval", d.PollInterval),
            DownAfter = r.Duration("membership.down-after", d.DownAfter),
            DownQuorum = r.Int("membership.down-quorum", d.DownQuorum),
            SuspicionTimeToLive = r.Duration("membership.suspicion-ttl", d.SuspicionTimeToLive),
            DeadRowRetention = r.Duration("membership.dead-row-retention", d.DeadRowRetention),
            HeartbeatInterval = r.Duration("failure-detector.heartbeat-interval", d.HeartbeatInterval),
            PhiThreshold = r.Double("failure-detector.threshold", d.PhiThreshold),
            MinStdDeviation = r.Duration("failure-detector.min-std-deviation", d.MinStdDeviation),
            AcceptableHeartbeatPause = r.Duration("failure-detector.acceptable-heartbeat-pause", d.AcceptableHeartbeatPause),
            MaxSampleSize = r.Int("failure-detector.max-sample-size", d.MaxSampleSize),
            FirstHeartbeatEstimate = r.Duration("failure-detector.first-heartbeat-estimate", d.FirstHeartbeatEstimate),
            MaxFrameSize = r.Size("transport.max-frame-size", d.MaxFrameSize),
            OutboundQueueSize = r.Int("transport.outbound-queue-size", d.OutboundQueueSize),
            WriteBatchBytes = r.Size("transport.write-batch-size", d.WriteBatchBytes),
            PauseWriterThreshold = r.Size("transport.pause-writer-threshold", (int)d.PauseWriterThreshold),
            ResumeWriterThreshold = r.Size("transport.resume-writer-threshold", (int)d.ResumeWriterThreshold),
            ReconnectMinBackoff = r.Duration("transport.reconnect-min-backoff", d.ReconnectMinBackoff),
            ReconnectMaxBackoff = r.Duration("transport.reconnect-max-backoff", d.ReconnectMaxBackoff),
            HandshakeTimeout = r.Duration("transport.handshake-timeout", d.HandshakeTimeout),
            TlsEnabled = r.Bool("transport.tls.enabled", d.TlsEnabled),
            TlsCertificatePath = r.String("transport.tls.certificate-path", d.TlsCertificatePath),
            TlsCertificatePassword = r.String("transport.tls.certificate-password", d.TlsCertificatePassword),
            LeaseDuration = r.Duration("lease.duration", d.LeaseDuration),
        };
        return settings.Validate();
    }

    /// <summary>Checks every value; returns this instance or throws naming the bad key.</summary>
    public ClusterSettings Validate()
    {
        Require(ClusterName.Length > 0, "cluster-name", "must not be empty");
        Require(NodeName.Length > 0 && !NodeName.Contains(':', StringComparison.Ordinal), "node-name", "must be non-empty and contain no ':'");
        Require(Hostname.Length > 0, "hostname", "must not be empty");
        Require(BindHost.Length > 0, "bind-host", "must not be empty");
        Require(Port is >= 0 and <= 65535, "port", "must be in 0..65535 (0 = any free port)");
        Require(Secret.Length >= 16, "secret", $"must be at least 16 characters (set {SecretEnvironmentVariable})");
        Require(MembershipStore == MembershipStoreKind.InMemory || ConnectionString.Length > 0,
            "membership.connection-string", "is required for the sqlite and postgres stores");
        RequirePositive(PollInterval, "membership.poll-interval");
        RequirePositive(DownAfter, "membership.down-after");
        Require(DownAfter > PollInterval, "membership.down-after", "must be longer than membership.poll-interval");
        Require(DownQuorum >= 1, "membership.down-quorum", "must be at least 1");
        RequirePositive(SuspicionTimeToLive, "membership.suspicion-ttl");
        Require(DeadRowRetention > DownAfter, "membership.dead-row-retention", "must be longer than membership.down-after");
        RequirePositive(HeartbeatInterval, "failure-detector.heartbeat-interval");
        Require(PhiThreshold > 0 && double.IsFinite(PhiThreshold), "failure-detector.threshold", "must be a positive number");
        RequirePositive(MinStdDeviation, "failure-detector.min-std-deviation");
        Require(AcceptableHeartbeatPause >= TimeSpan.Zero, "failure-detector.acceptable-heartbeat-pause", "must not be negative");
        Require(MaxSampleSize >= 2, "failure-detector.max-sample-size", "must be at least 2");
        RequirePositive(FirstHeartbeatEstimate, "failure-detector.first-heartbeat-estimate");
        Require(MaxFrameSize >= 1024, "transport.max-frame-size", "must be at least 1KiB");
        Require(OutboundQueueSize >= 1, "transport.outbound-queue-size", "must be at least 1");
        Require(WriteBatchBytes >= 1024, "transport.write-batch-size", "must be at least 1KiB");
        Require(PauseWriterThreshold >= MaxFrameSize, "transport.pause-writer-threshold", "must be at least transport.max-frame-size");
        Require(ResumeWriterThreshold > 0 && ResumeWriterThreshold <= PauseWriterThreshold,
            "transport.resume-writer-threshold", "must be positive and at most transport.pause-writer-threshold");
        RequirePositive(ReconnectMinBackoff, "transport.reconnect-min-backoff");
        Require(ReconnectMaxBackoff >= ReconnectMinBackoff, "transport.reconnect-max-backoff", "must be at least transport.reconnect-min-backoff");
        RequirePositive(HandshakeTimeout, "transport.handshake-timeout");
        Require(!TlsEnabled || File.Exists(TlsCertificatePath), "transport.tls.certificate-path",
            $"must name an existing PKCS#12 (.pfx) file when transport.tls.enabled is on ('{TlsCertificatePath}' does not exist)");
        RequirePositive(LeaseDuration, "lease.duration");
        return this;
    }

    private static void RequirePositive(TimeSpan value, string key) => Require(value > TimeSpan.Zero, key, "must be a positive duration");

    private static void Require(bool condition, string key, string problem)
    {
        if (!condition)
        {
            throw new ClusterSettingsException(Section + "." + key, problem);
        }
    }
}

/// <summary>A cluster setting is missing or invalid; <see cref="Key"/> is its full configuration path.</summary>
public sealed class ClusterSettingsException(string key, string problem)
    : ArgumentException($"Invalid setting '{key}': {problem}.")
{
    public string Key { get; } = key;
}
