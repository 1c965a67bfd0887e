using System.Net;
using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Server;

/// <summary>
/// Typed settings of the node's HTTP host, read once at start-up from <c>actorrec.node-name</c>,
/// <c>actorrec.data-dir</c>, <c>actorrec.http.*</c> and <c>actorrec.shutdown-timeout</c> (see reference.conf).
/// Instances are valid by construction: every factory checks each value and names the offending key.
/// </summary>
public sealed record ServerSettings
{
    private const string Prefix = "actorrec.";

    private ServerSettings(
        string nodeName,
        string httpHost,
        int httpPort,
        string dataDir,
        long maxBodyBytes,
        TimeSpan shutdownTimeout)
    {
        NodeName = nodeName;
        HttpHost = httpHost;
        HttpPort = httpPort;
        DataDir = dataDir;
        MaxBodyBytes = maxBodyBytes;
        ShutdownTimeout = shutdownTimeout;
    }

    /// <summary>The defaults that reference.conf ships.</summary>
    public static ServerSettings Default { get; } =
        new("actorrec-1", "127.0.0.1", 5080, "actorrec-data", 1024 * 1024, TimeSpan.FromSeconds(30));

    /// <summary>This node's name in logs, health responses and (later) cluster membership.</summary>
    public string NodeName { get; init; }

    /// <summary>Interface to listen on: an IP address, or <c>localhost</c> for the loopback address.</summary>
    public string HttpHost { get; init; }

    /// <summary>TCP port for HTTP; 0 lets the OS choose a free one (tests).</summary>
    public int HttpPort { get; init; }

    /// <summary>Directory for journals, snapshots and other node state (relative paths are relative to the working directory).</summary>
    public string DataDir { get; init; }

    /// <summary>Largest request body accepted; larger ones get 413 with a problem+json body.</summary>
    public long MaxBodyBytes { get; init; }

    /// <summary>How long in-flight requests may take to finish after SIGTERM before the host stops anyway.</summary>
    public TimeSpan ShutdownTimeout { get; init; }

    /// <summary>
    /// Most requests the node serves at once (health and info endpoints excepted); a request beyond it is answered at
    /// once with 503, <c>Retry-After</c> and a problem+json body instead of queueing. 0: no bound.
    /// </summary>
    public int MaxInFlight { get; init; } = 256;

    /// <summary>The <c>Retry-After</c> a shed request is told (whole seconds, at least 1).</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The address <see cref="HttpHost"/> resolves to.</summary>
    public IPAddress ListenAddress => ParseHost(HttpHost);

    /// <summary>Reads and validates the settings from a resolved config that includes this module's reference.conf.</summary>
    public static ServerSettings Create(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Create(
            config.GetRequiredString(Prefix + "node-name"),
            config.GetRequiredString(Prefix + "http.host"),
            config.GetIntInRange(Prefix + "http.port", 0, 65535),
            config.GetRequiredString(Prefix + "data-dir"),
            config.GetPositiveBytes(Prefix + "http.max-body-bytes"),
            config.GetPositiveDuration(Prefix + "shutdown-timeout"))
            .WithLoadShedding(
                config.GetIntInRange(Prefix + "http.max-in-flight", 0, 1_000_000),
                config.GetPositiveDuration(Prefix + "http.retry-after"));
    }

    /// <summary>Returns a copy with the in-flight bound and Retry-After replaced; a bad value names its key.</summary>
    public ServerSettings WithLoadShedding(int maxInFlight, TimeSpan retryAfter)
    {
        if (maxInFlight is < 0 or > 1_000_000)
        {
            throw new SettingsException(Prefix + "http.max-in-flight", $"must be between 0 (no bound) and 1000000, got {maxInFlight}");
        }

        if (retryAfter < TimeSpan.FromSeconds(1) || retryAfter > TimeSpan.FromHours(1))
        {
            throw new SettingsException(Prefix + "http.retry-after", $"must be between 1s and 1h, got {retryAfter}");
        }

        return this with { MaxInFlight = maxInFlight, RetryAfter = retryAfter };
    }

    /// <summary>Validates and builds the settings; a bad value throws <see cref="SettingsException"/> naming its key.</summary>
    public static ServerSettings Create(
        string nodeName,
        string httpHost,
        int httpPort,
        string dataDir,
        long maxBodyBytes,
        TimeSpan shutdownTimeout)
    {
        if (string.IsNullOrWhiteSpace(nodeName) || !IsValidNodeName(nodeName))
        {
            throw new SettingsException(Prefix + "node-name",
                $"'{nodeName}' is not a valid node name; use 1-63 letters, digits, '-', '_' or '.'");
        }

        _ = ParseHost(httpHost);
        if (httpPort is < 0 or > 65535)
        {
            throw new SettingsException(Prefix + "http.port", $"must be between 0 and 65535, got {httpPort}");
        }

        if (string.IsNullOrWhiteSpace(dataDir))
        {
            throw new SettingsException(Prefix + "data-dir", "must name a directory");
        }

        if (dataDir.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            throw new SettingsException(Prefix + "data-dir", $"'{dataDir}' contains characters not allowed in a path");
        }

        if (maxBodyBytes <= 0)
        {
            throw new SettingsException(Prefix + "http.max-body-bytes", $"must be positive, got {maxBodyBytes}");
        }

        if (shutdownTimeout <= TimeSpan.Zero)
        {
            throw new SettingsException(Prefix + "shutdown-timeout", $"must be positive, got {shutdownTimeout}");
        }

        return new ServerSettings(nodeName, httpHost, httpPort, dataDir, maxBodyBytes, shutdownTimeout);
    }

    /// <summary>Returns a copy with the port replaced (the <c>--port</c> option), validated like the other factories.</summary>
    public ServerSettings WithPort(int port) =>
        Create(NodeName, HttpHost, port, DataDir, MaxBodyBytes, ShutdownTimeout) with { MaxInFlight = MaxInFlight, RetryAfter = RetryAfter };

    /// <summary>Returns a copy with the data directory replaced (the <c>--data-dir</c> option), validated like the other factories.</summary>
    public ServerSettings WithDataDir(string dataDir) =>
        Create(NodeName, HttpHost, HttpPort, dataDir, MaxBodyBytes, ShutdownTimeout) with { MaxInFlight = MaxInFlight, RetryAfter = RetryAfter };

    private static bool IsValidNodeName(string name)
    {
        if (name.Length > 63)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static IPAddress ParseHost(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }

        throw new SettingsException(Prefix + "http.host",
            $"'{host}' is not an IP address; use an address such as 127.0.0.1 or 0.0.0.0, or localhost");
    }
}
