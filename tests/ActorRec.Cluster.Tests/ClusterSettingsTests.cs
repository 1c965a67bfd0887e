using System.Text.RegularExpressions;

namespace ActorRec.Cluster.Tests;

public sealed partial class ClusterSettingsTests
{
    private const string Secret = "0123456789abcdef0123";

    [Fact]
    public void Reference_conf_documents_every_key_with_the_record_defaults()
    {
        // The file also carries the actorrec.sharding section (ShardingSettings, tested in Sharding/).
        var keys = ReferenceKeys().Where(k => k.Key.StartsWith("actorrec.cluster.", StringComparison.Ordinal)).ToDictionary();
        Assert.Equal(32, keys.Count);
        var values = keys.ToDictionary(k => k.Key, k => k.Value);
        values["actorrec.cluster.secret"] = Secret;
        var fromConf = ClusterSettings.Create(k => values.GetValueOrDefault(k), _ => null);
        var defaults = new ClusterSettings { Secret = Secret };
        Assert.Equal(defaults with { Roles = [] }, fromConf with { Roles = [] });
        Assert.Empty(fromConf.Roles);

        // Every key in the conf is read by Create: a bad value for any of them names that key.
        foreach (var key in keys.Keys.Where(k => !k.EndsWith("name", StringComparison.Ordinal) && !k.EndsWith("secret", StringComparison.Ordinal)
                     && !k.EndsWith("roles", StringComparison.Ordinal) && !k.EndsWith("hostname", StringComparison.Ordinal)
                     && !k.EndsWith("bind-host", StringComparison.Ordinal) && !k.EndsWith("connection-string", StringComparison.Ordinal)
                     && !k.EndsWith("certificate-path", StringComparison.Ordinal) && !k.EndsWith("certificate-password", StringComparison.Ordinal)))
        {
            var bad = new Dictionary<string, string>(values) { [key] = "bogus!" };
            var ex = Assert.Throws<ClusterSettingsException>(() => ClusterSettings.Create(k => bad.GetValueOrDefault(k), _ => null));
            Assert.Equal(key, ex.Key);
        }
    }

    [Fact]
    public void Values_are_parsed_and_the_environment_secret_wins()
    {
        var values = new Dictionary<string, string>
        {
            ["actorrec.cluster.node-name"] = "n7",
            ["actorrec.cluster.port"] = "0",
            ["actorrec.cluster.secret"] = "from-config-but-overridden",
            ["actorrec.cluster.roles"] = "[\"ranking\", \"ingest\"]",
            ["actorrec.cluster.membership.store"] = "postgres",
            ["actorrec.cluster.membership.connection-string"] = "Host=db",
            ["actorrec.cluster.membership.poll-interval"] = "500ms",
            ["actorrec.cluster.transport.max-frame-size"] = "1MiB",
            ["actorrec.cluster.failure-detector.threshold"] = "10.5",
        };
        var s = ClusterSettings.Create(k => values.GetValueOrDefault(k), v => v == ClusterSettings.SecretEnvironmentVariable ? Secret : null);
        Assert.Equal("n7", s.NodeName);
        Assert.Equal(Secret, s.Secret);
        Assert.Equal(["ranking", "ingest"], s.Roles);
        Assert.Equal(MembershipStoreKind.Postgres, s.MembershipStore);
        Assert.Equal(TimeSpan.FromMilliseconds(500), s.PollInterval);
        Assert.Equal(1024 * 1024, s.MaxFrameSize);
        Assert.Equal(10.5, s.PhiThreshold);
    }

    [Theory]
    [InlineData("secret", "short", "actorrec.cluster.secret")]
    [InlineData("port", "70000", "actorrec.cluster.port")]
    [InlineData("membership.store", "mysql", "actorrec.cluster.membership.store")]
    [InlineData("membership.down-after", "1s", "actorrec.cluster.membership.down-after")]
    [InlineData("node-name", "a:b", "actorrec.cluster.node-name")]
    public void Bad_values_name_their_key(string key, string value, string expectedKey)
    {
        var values = new Dictionary<string, string> { ["actorrec.cluster.secret"] = Secret, ["actorrec.cluster." + key] = value };
        var ex = Assert.Throws<ClusterSettingsException>(() => ClusterSettings.Create(k => values.GetValueOrDefault(k), _ => null));
        Assert.Equal(expectedKey, ex.Key);
        Assert.Contains(expectedKey, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_down_detection_is_within_ten_seconds()
    {
        var s = new ClusterSettings();
        Assert.True(s.DownAfter + s.PollInterval <= TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Sql_stores_require_a_connection_string()
    {
        var ex = Assert.Throws<ClusterSettingsException>(() => new ClusterSettings { Secret = Secret, MembershipStore = MembershipStoreKind.Sqlite }.Validate());
        Assert.Equal("actorrec.cluster.membership.connection-string", ex.Key);
    }

    /// <summary>Flattens the embedded reference.conf (nested blocks, key = value lines) into full paths.</summary>
    private static Dictionary<string, string> ReferenceKeys()
    {
        using var stream = typeof(ClusterSettings).Assembly.GetManifestResourceStream("ActorRec.Cluster.reference.conf")!;
        using var reader = new StreamReader(stream);
        var path = new Stack<string>();
        var keys = new Dictionary<string, string>();
        string? previous = null;
        while (reader.ReadLine() is { } raw)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                previous = line.StartsWith('#') ? line : previous;
                continue;
            }

            if (line.EndsWith('{'))
            {
                path.Push(line.TrimEnd('{').Trim());
            }
            else if (line == "}")
            {
                path.Pop();
            }
            else
            {
                var m = KeyValue().Match(line);
                Assert.True(m.Success, $"unparsed line: {line}");
                Assert.True(previous is not null && previous.StartsWith('#'), $"key {m.Groups[1].Value} has no comment");
                keys[string.Join('.', path.Reverse().Append(m.Groups[1].Value))] = m.Groups[2].Value.Trim();
            }

            previous = line;
        }

        return keys;
    }

    [GeneratedRegex("^([a-z-]+)\\s*=\\s*(.*)$")]
    private static partial Regex KeyValue();
}
