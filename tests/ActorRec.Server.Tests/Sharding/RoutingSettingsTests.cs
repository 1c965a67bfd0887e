using ActorRec.Hocon;
using ActorRec.Hocon.Settings;
using ActorRec.Server.Admin;
using ActorRec.Server.Sharding;

namespace ActorRec.Server.Tests.Sharding;

/// <summary><c>actorrec.routing</c> and <c>actorrec.admin.drain-timeout</c>: read once from HOCON, defaults as documented, a bad value names its key.</summary>
public sealed class RoutingSettingsTests
{
    private static Config Load(string user, IReadOnlyDictionary<string, string>? environment = null) =>
        ConfigLoader.Load(ConfigFactory.ParseString(user, new HoconParseOptions { OriginName = "test.conf" }),
            environment ?? new Dictionary<string, string>(), typeof(ActorRecHost).Assembly);

    [Fact]
    public void Reference_conf_alone_gives_the_documented_defaults()
    {
        var config = Load("");
        var routing = RoutingSettings.Create(config);
        Assert.Equal(RoutingSettings.Default.Retry, routing.Retry);
        Assert.Equal((TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1)), (routing.Retry.FirstDelay, routing.Retry.MaxDelay));
        Assert.Equal((TimeSpan.FromSeconds(1), true, TimeSpan.FromMilliseconds(200)), (routing.RetryAfter, routing.BundlePerNode, routing.PartReplyMargin));
        Assert.Equal(RoutingSettings.Default, routing);
        Assert.Equal(ShardAdminOptions.Default, ShardAdminOptions.Create(config));
    }

    [Fact]
    public void User_values_and_the_environment_override_the_reference()
    {
        var config = Load("""
            actorrec.routing { retry-first-delay = 10ms, retry-max-delay = 300ms, retry-after = 3s, part-reply-margin = 0s }
            actorrec.admin.drain-timeout = 45s
            """, new Dictionary<string, string> { ["ACTORREC_ROUTING_BUNDLE_PER_NODE"] = "false" });
        var routing = RoutingSettings.Create(config);
        Assert.Equal(RetryPolicy.Create(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(300)), routing.Retry);
        Assert.Equal(TimeSpan.FromSeconds(3), routing.RetryAfter);
        Assert.False(routing.BundlePerNode);
        Assert.Equal(TimeSpan.Zero, routing.PartReplyMargin);
        Assert.Equal(TimeSpan.FromSeconds(45), ShardAdminOptions.Create(config).DrainTimeout);
    }

    [Theory]
    [InlineData("actorrec.routing.retry-first-delay = 0s", "actorrec.routing.retry-first-delay")]
    [InlineData("actorrec.routing.retry-first-delay = soon", "actorrec.routing.retry-first-delay")]
    [InlineData("actorrec.routing.retry-max-delay = 10ms", "actorrec.routing.retry-max-delay")]
    [InlineData("actorrec.routing.retry-after = 200ms", "actorrec.routing.retry-after")]
    [InlineData("actorrec.routing.retry-after = 2h", "actorrec.routing.retry-after")]
    [InlineData("actorrec.routing.bundle-per-node = maybe", "actorrec.routing.bundle-per-node")]
    [InlineData("actorrec.routing.part-reply-margin = -1s", "actorrec.routing.part-reply-margin")]
    [InlineData("actorrec.routing.part-reply-margin = 5m", "actorrec.routing.part-reply-margin")]
    public void Bad_routing_values_name_their_key(string user, string key)
    {
        var error = Assert.Throws<SettingsException>(() => RoutingSettings.Create(Load(user)));
        Assert.Equal(key, error.Path);
        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("actorrec.admin.drain-timeout = 0s")]
    [InlineData("actorrec.admin.drain-timeout = later")]
    [InlineData("actorrec.admin.drain-timeout = 2h")]
    public void A_bad_drain_timeout_names_its_key(string user)
    {
        var error = Assert.Throws<SettingsException>(() => ShardAdminOptions.Create(Load(user)));
        Assert.Equal("actorrec.admin.drain-timeout", error.Path);
    }

    [Fact]
    public void Every_new_key_is_commented_in_the_reference_conf()
    {
        var text = ReferenceConf.ReadText(typeof(ActorRecHost).Assembly);
        // Group mode: a key's `${?ENV}` override line sits under its commented default.
        Assert.DoesNotContain(ReferenceConf.UncommentedKeys(text, allowCommentedGroups: true),
            key => key.StartsWith("actorrec.routing", StringComparison.Ordinal) || key == "actorrec.admin.drain-timeout");
        foreach (var key in new[] { "retry-first-delay", "retry-max-delay", "retry-after", "bundle-per-node", "part-reply-margin", "drain-timeout" })
        {
            Assert.Contains(key + " =", text, StringComparison.Ordinal);
        }
    }
}
