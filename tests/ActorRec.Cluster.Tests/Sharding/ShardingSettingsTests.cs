using ActorRec.Cluster.Sharding;
using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Cluster.Tests.Sharding;

public sealed class ShardingSettingsTests
{
    private static readonly System.Reflection.Assembly Module = typeof(ShardingSettings).Assembly;

    [Fact]
    public void Reference_conf_gives_the_record_defaults()
    {
        var settings = ShardingSettings.Read(ConfigLoader.LoadReferences(Module).Resolve());
        Assert.Equal(ShardingSettings.Default, settings);
        Assert.Equal(256, settings.NumberOfShards);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.IdleTimeout);
    }

    [Fact]
    public void The_reader_knows_exactly_the_keys_of_reference_conf()
    {
        var section = ConfigLoader.LoadReferences(Module).Resolve().GetConfig(ShardingSettings.Section);
        var leaves = ReferenceConf.LeafPaths(section.Root).Select(l => l.Path).Order(StringComparer.Ordinal);
        Assert.Equal(leaves, ShardingSettings.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_key_is_read_and_errors_name_it()
    {
        var references = ConfigLoader.LoadReferences(Module);
        foreach (var key in ShardingSettings.Keys)
        {
            var config = ConfigFactory.ParseString($"{ShardingSettings.Section}.{key} {{ not-a-value = 1 }}").WithFallback(references).Resolve();
            var ex = Assert.Throws<SettingsException>(() => ShardingSettings.Read(config));
            Assert.Equal($"{ShardingSettings.Section}.{key}", ex.Path);
        }
    }

    [Theory]
    [InlineData("number-of-shards = 70000", "number-of-shards")]
    [InlineData("rebalance-absolute-threshold = 1", "rebalance-absolute-threshold")]
    [InlineData("passivation.idle-timeout = -1s", "passivation.idle-timeout")]
    [InlineData("unknown-key = 1", "unknown-key")]
    [InlineData("retry-interval = 0s", "retry-interval")]
    [InlineData("coordinator-timeout = -1s", "coordinator-timeout")]
    [InlineData("drain-timeout = 0s", "drain-timeout")]
    public void Bad_values_name_their_key(string line, string key)
    {
        var config = ConfigFactory.ParseString($"{ShardingSettings.Section}.{line}").WithFallback(ConfigLoader.LoadReferences(Module)).Resolve();
        var ex = Assert.Throws<SettingsException>(() => ShardingSettings.Read(config));
        Assert.Equal($"{ShardingSettings.Section}.{key}", ex.Path);
    }

    [Fact]
    public void Overrides_are_read()
    {
        var config = ConfigFactory.ParseString($"{ShardingSettings.Section} {{ number-of-shards = 64, passivation.max-resident-entities = 10, recovery.entities-per-second = 5.5 }}")
            .WithFallback(ConfigLoader.LoadReferences(Module)).Resolve();
        var s = ShardingSettings.Read(config);
        Assert.Equal((64, 10, 5.5), (s.NumberOfShards, s.MaxResidentEntities, s.RecoveryEntitiesPerSecond));
        Assert.Equal("max-simultaneous-moves", Assert.Throws<ArgumentException>(() => ShardingSettings.Create(maxSimultaneousMoves: 0)).ParamName);
        var runtime = ShardingSettings.Read(ConfigFactory.ParseString($"{ShardingSettings.Section} {{ retry-interval = 250ms, coordinator-timeout = 3s, drain-timeout = 30s }}")
            .WithFallback(ConfigLoader.LoadReferences(Module)).Resolve());
        Assert.Equal((TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30)), (runtime.RetryInterval, runtime.CoordinatorTimeout, runtime.DrainTimeout));
        Assert.Equal("retry-interval", Assert.Throws<ArgumentException>(() => ShardingSettings.Create(retryInterval: TimeSpan.Zero)).ParamName);
    }
}
