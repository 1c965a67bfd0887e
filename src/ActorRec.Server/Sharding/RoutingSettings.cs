using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Server.Sharding;

/// <summary>
/// Typed settings of <c>actorrec.routing</c> (see the server's reference.conf): how a clustered node retries, bundles
/// and fails requests routed to the nodes that own their entities. Read once at start-up; valid by construction
/// (<see cref="Create(Config)"/> and <see cref="Create(TimeSpan, TimeSpan, TimeSpan, bool, TimeSpan)"/> name the bad key).
/// </summary>
public sealed record RoutingSettings
{
    private const string Prefix = "actorrec.routing.";

    private RoutingSettings(RetryPolicy retry, TimeSpan retryAfter, bool bundlePerNode, TimeSpan partReplyMargin)
    {
        Retry = retry;
        RetryAfter = retryAfter;
        BundlePerNode = bundlePerNode;
        PartReplyMargin = partReplyMargin;
    }

    /// <summary>The defaults that reference.conf ships.</summary>
    public static RoutingSettings Default { get; } = new(RetryPolicy.Default, TimeSpan.FromSeconds(1), true, TimeSpan.FromMilliseconds(200));

    /// <summary>Back-off of a request whose shard is being handed off (<c>retry-first-delay</c>, <c>retry-max-delay</c>).</summary>
    public RetryPolicy Retry { get; }

    /// <summary>The <c>Retry-After</c> of a 503 caused by routing (<c>retry-after</c>; whole seconds, 1 s to 1 h).</summary>
    public TimeSpan RetryAfter { get; }

    /// <summary>Event batches go to each owning node as one message (<c>bundle-per-node</c>); false: one message per entity.</summary>
    public bool BundlePerNode { get; }

    /// <summary>Part of a bundled message's deadline kept back for its reply (<c>part-reply-margin</c>).</summary>
    public TimeSpan PartReplyMargin { get; }

    /// <summary>Reads and validates <c>actorrec.routing</c> from a resolved config that includes the server's reference.conf.</summary>
    public static RoutingSettings Create(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Create(
            config.GetPositiveDuration(Prefix + "retry-first-delay"),
            config.GetPositiveDuration(Prefix + "retry-max-delay"),
            config.GetPositiveDuration(Prefix + "retry-after"),
            config.GetFlag(Prefix + "bundle-per-node"),
            config.GetNonNegativeDuration(Prefix + "part-reply-margin"));
    }

    /// <summary>Validates and builds the settings; a bad value throws <see cref="SettingsException"/> naming its key.</summary>
    public static RoutingSettings Create(TimeSpan retryFirstDelay, TimeSpan retryMaxDelay, TimeSpan retryAfter, bool bundlePerNode, TimeSpan partReplyMargin)
    {
        if (retryFirstDelay <= TimeSpan.Zero || retryFirstDelay > TimeSpan.FromMinutes(1))
        {
            throw new SettingsException(Prefix + "retry-first-delay", $"must be positive and at most 1m, got {retryFirstDelay}");
        }

        if (retryMaxDelay < retryFirstDelay || retryMaxDelay > TimeSpan.FromMinutes(10))
        {
            throw new SettingsException(Prefix + "retry-max-delay", $"must be at least retry-first-delay ({retryFirstDelay}) and at most 10m, got {retryMaxDelay}");
        }

        if (retryAfter < TimeSpan.FromSeconds(1) || retryAfter > TimeSpan.FromHours(1))
        {
            throw new SettingsException(Prefix + "retry-after", $"must be between 1s and 1h, got {retryAfter}");
        }

        if (partReplyMargin < TimeSpan.Zero || partReplyMargin > TimeSpan.FromMinutes(1))
        {
            throw new SettingsException(Prefix + "part-reply-margin", $"must be between 0s and 1m, got {partReplyMargin}");
        }

        return new RoutingSettings(new RetryPolicy(retryFirstDelay, retryMaxDelay), retryAfter, bundlePerNode, partReplyMargin);
    }

    /// <summary>A copy with another back-off (tests, embedders), checked like the config keys.</summary>
    public RoutingSettings WithRetry(RetryPolicy retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        return Create(retry.FirstDelay, retry.MaxDelay, RetryAfter, BundlePerNode, PartReplyMargin);
    }

    /// <summary>A copy with bundling on or off.</summary>
    public RoutingSettings WithBundlePerNode(bool bundlePerNode) => Create(Retry.FirstDelay, Retry.MaxDelay, RetryAfter, bundlePerNode, PartReplyMargin);
}
