using System.Reflection;
using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Cluster.Tests;

/// <summary><see cref="ClusterSettingsReader"/> against the embedded reference.conf and user overrides.</summary>
public sealed class SettingsFromConfigTests
{
    private const string Section = ClusterSettings.Section;
    private const string Secret = "0123456789abcdef0123";
    private static readonly Assembly Module = typeof(ClusterSettings).Assembly;
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void Reference_conf_alone_yields_the_record_defaults()
    {
        // The reference has no secret (it must come from the environment), so it is the one value supplied.
        var settings = ClusterSettingsReader.Read(ConfigLoader.Load((string?)null, null, Module), _ => Secret);
        var expected = new ClusterSettings { Secret = Secret };
        Assert.Equal(expected with { Roles = [] }, settings with { Roles = [] });
        Assert.Equal(expected.Roles, settings.Roles);
    }

    [Fact]
    public void Reference_conf_alone_without_a_secret_stops_start_up_on_the_secret_key()
    {
        var ex = Assert.Throws<SettingsException>(() => ClusterSettingsReader.Read(ConfigLoader.Load((string?)null, null, Module), NoEnvironment));
        Assert.Equal($"{Section}.secret", ex.Path);
    }

    [Fact]
    public void Overrides_in_a_user_file_are_honoured_and_the_rest_keeps_its_defaults()
    {
        var file = Path.Combine(Path.GetTempPath(), $"actorrec-cluster-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, $$"""
            actorrec.cluster {
              node-name = n7
              port = 0
              secret = "{{Secret}}"
              roles = [ranking, ingest]
              membership { store = postgres, connection-string = "Host=db", down-after = 9s }
              failure-detector.threshold = 10.5
              transport.max-frame-size = 1MiB
            }
            """);
        try
        {
            var settings = ClusterSettingsReader.Read(ConfigLoader.Load(file, null, Module), NoEnvironment);
            var expected = new ClusterSettings
            {
                NodeName = "n7",
                Port = 0,
                Secret = Secret,
                MembershipStore = MembershipStoreKind.Postgres,
                ConnectionString = "Host=db",
                DownAfter = TimeSpan.FromSeconds(9),
                PhiThreshold = 10.5,
                MaxFrameSize = 1 << 20,
            };
            Assert.Equal(expected with { Roles = [] }, settings with { Roles = [] });
            Assert.Equal(["ranking", "ingest"], settings.Roles);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_environment_secret_wins_over_the_key()
    {
        var config = ConfigFactory.ParseString($"{Section}.secret = \"configured-secret-0123\"").WithFallback(ConfigLoader.LoadReferences(Module)).Resolve();
        Assert.Equal(Secret, ClusterSettingsReader.Read(config, v => v == ClusterSettings.SecretEnvironmentVariable ? Secret : null).Secret);
        Assert.Equal("configured-secret-0123", ClusterSettingsReader.Read(config, NoEnvironment).Secret);
    }

    [Theory]
    [InlineData("cluster-name", "\"\"")]
    [InlineData("node-name", "\"a:b\"")]
    [InlineData("port", "70000")]
    [InlineData("port", "http")]
    [InlineData("secret", "short")]
    [InlineData("roles", "ranking")]
    [InlineData("membership.store", "etcd")]
    [InlineData("membership.connection-string", "\"\"\nactorrec.cluster.membership.store = sqlite")]
    [InlineData("membership.poll-interval", "0s")]
    [InlineData("membership.down-after", "1s")]
    [InlineData("membership.down-quorum", "0")]
    [InlineData("membership.dead-row-retention", "5s")]
    [InlineData("failure-detector.threshold", "-1")]
    [InlineData("failure-detector.threshold", "high")]
    [InlineData("failure-detector.max-sample-size", "1")]
    [InlineData("failure-detector.acceptable-heartbeat-pause", "-1s")]
    [InlineData("transport.max-frame-size", "100")]
    [InlineData("transport.max-frame-size", "4GiB")]
    [InlineData("transport.pause-writer-threshold", "1MiB")]
    [InlineData("transport.resume-writer-threshold", "8MiB")]
    [InlineData("transport.reconnect-max-backoff", "10ms")]
    [InlineData("transport.tls.enabled", "maybe")]
    [InlineData("transport.tls.certificate-path", "/no/such/cert.pfx\nactorrec.cluster.transport.tls.enabled = on")]
    [InlineData("lease.duration", "0s")]
    [InlineData("lease.durations", "10s")]
    public void A_bad_value_throws_naming_the_full_key(string key, string value)
    {
        var config = ConfigFactory.ParseString($"{Section}.secret = \"{Secret}\"\n{Section}.{key} = {value}")
            .WithFallback(ConfigLoader.LoadReferences(Module))
            .Resolve();
        var ex = Assert.Throws<SettingsException>(() => ClusterSettingsReader.Read(config, NoEnvironment));
        Assert.Equal($"{Section}.{key}", ex.Path);
        Assert.Contains($"'{Section}.{key}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reader_knows_exactly_the_keys_of_reference_conf()
    {
        var section = ConfigLoader.LoadReferences(Module).Resolve().GetConfig(Section);
        var leaves = ReferenceConf.LeafPaths(section.Root).Select(l => l.Path).ToArray();
        Assert.Equal(leaves.Order(StringComparer.Ordinal), ClusterSettingsReader.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_key_of_reference_conf_is_read()
    {
        // Replacing any one key by an object must fail on that key: proves the reader looks at it.
        var references = ConfigLoader.LoadReferences(Module);
        foreach (var leaf in ReferenceConf.LeafPaths(references.Resolve().GetConfig(Section).Root))
        {
            var config = ConfigFactory.ParseString($"{Section}.{leaf.Path} {{ not-a-value = 1 }}").WithFallback(references).Resolve();
            var ex = Assert.Throws<SettingsException>(() => ClusterSettingsReader.Read(config, _ => Secret));
            Assert.Equal($"{Section}.{leaf.Path}", ex.Path);
        }
    }

    [Fact]
    public void Every_key_of_reference_conf_has_a_comment_directly_above()
    {
        Assert.Empty(ReferenceConf.UncommentedKeys(ReferenceConf.ReadText(Module)));
    }
}
