using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Cluster;

/// <summary>
/// Builds <see cref="ClusterSettings"/> from the resolved config, once at start-up: reads every key of the
/// <c>actorrec.cluster</c> section of the embedded <c>reference.conf</c> with HOCON's own types (durations, sizes,
/// lists), refuses keys it does not know, and reports a bad value as a <see cref="SettingsException"/> naming the
/// full key path. As with <see cref="ClusterSettings.Create"/>, the <see cref="ClusterSettings.SecretEnvironmentVariable"/>
/// variable, when set, wins over the <c>secret</c> key.
/// </summary>
public static class ClusterSettingsReader
{
    /// <summary>The keys of the section (relative to <see cref="ClusterSettings.Section"/>), as in reference.conf.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "cluster-name", "node-name", "hostname", "bind-host", "port", "secret", "roles",
        "membership.store", "membership.connection-string", "membership.poll-interval", "membership.down-after",
        "membership.down-quorum", "membership.suspicion-ttl", "membership.dead-row-retention",
        "failure-detector.heartbeat-interval", "failure-detector.threshold", "failure-detector.min-std-deviation",
        "failure-detector.acceptable-heartbeat-pause", "failure-detector.max-sample-size", "failure-detector.first-heartbeat-estimate",
        "transport.max-frame-size", "transport.outbound-queue-size", "transport.write-batch-size",
        "transport.pause-writer-threshold", "transport.resume-writer-threshold", "transport.reconnect-min-backoff",
        "transport.reconnect-max-backoff", "transport.handshake-timeout",
        "transport.tls.enabled", "transport.tls.certificate-path", "transport.tls.certificate-password",
        "lease.duration",
    ];

    /// <summary>Reads the <c>actorrec.cluster</c> section of a resolved root config.</summary>
    /// <param name="config">The resolved root config.</param>
    /// <param name="environment">Environment lookup for the secret; null reads the process environment.</param>
    /// <exception cref="SettingsException">A key is missing, unknown, of the wrong type or out of range.</exception>
    public static ClusterSettings Read(Config config, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        environment ??= Environment.GetEnvironmentVariable;
        var s = config.GetSection(ClusterSettings.Section);
        s.RejectUnknownKeys(Keys);
        var configuredSecret = s.GetOptionalString("secret") ?? "";
        var settings = new ClusterSettings
        {
            ClusterName = s.GetRequiredString("cluster-name"),
            NodeName = s.GetRequiredString("node-name"),
            Hostname = s.GetRequiredString("hostname"),
            BindHost = s.GetRequiredString("bind-host"),
            Port = s.GetIntInRange("port", 0, 65535),
            Secret = environment(ClusterSettings.SecretEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : configuredSecret,
            Roles = s.GetStrings("roles"),
            MembershipStore = s.GetEnum<MembershipStoreKind>("membership.store"),
            ConnectionString = s.GetOptionalString("membership.connection-string") ?? "",
            PollInterval = s.GetPositiveDuration("membership.poll-interval"),
            DownAfter = s.GetPositiveDuration("membership.down-after"),
            DownQuorum = s.GetPositiveInt("membership.down-quorum"),
            SuspicionTimeToLive = s.GetPositiveDuration("membership.suspicion-ttl"),
            DeadRowRetention = s.GetPositiveDuration("membership.dead-row-retention"),
            HeartbeatInterval = s.GetPositiveDuration("failure-detector.heartbeat-interval"),
            PhiThreshold = s.GetDoubleInRange("failure-detector.threshold", 0, double.MaxValue),
            MinStdDeviation = s.GetPositiveDuration("failure-detector.min-std-deviation"),
            AcceptableHeartbeatPause = s.GetNonNegativeDuration("failure-detector.acceptable-heartbeat-pause"),
            MaxSampleSize = s.GetIntInRange("failure-detector.max-sample-size", 2, int.MaxValue),
            FirstHeartbeatEstimate = s.GetPositiveDuration("failure-detector.first-heartbeat-estimate"),
            MaxFrameSize = (int)s.GetBytesInRange("transport.max-frame-size", 1024, int.MaxValue),
            OutboundQueueSize = s.GetPositiveInt("transport.outbound-queue-size"),
            WriteBatchBytes = (int)s.GetBytesInRange("transport.write-batch-size", 1024, int.MaxValue),
            PauseWriterThreshold = s.GetPositiveBytes("transport.pause-writer-threshold"),
            ResumeWriterThreshold = s.GetPositiveBytes("transport.resume-writer-threshold"),
            ReconnectMinBackoff = s.GetPositiveDuration("transport.reconnect-min-backoff"),
            ReconnectMaxBackoff = s.GetPositiveDuration("transport.reconnect-max-backoff"),
            HandshakeTimeout = s.GetPositiveDuration("transport.handshake-timeout"),
            TlsEnabled = s.GetFlag("transport.tls.enabled"),
            TlsCertificatePath = s.GetOptionalString("transport.tls.certificate-path") ?? "",
            TlsCertificatePassword = s.GetOptionalString("transport.tls.certificate-password") ?? "",
            LeaseDuration = s.GetPositiveDuration("lease.duration"),
        };

        // Validate checks what spans keys (down-after > poll-interval, resume <= pause threshold, the secret's
        // length, the TLS file); its exception carries the full key.
        return s.Build(
            settings.Validate,
            e => e is ClusterSettingsException c && c.Key.StartsWith(ClusterSettings.Section + ".", StringComparison.Ordinal)
                ? c.Key[(ClusterSettings.Section.Length + 1)..]
                : null);
    }
}
