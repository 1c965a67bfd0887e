using System.Reflection;
using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Persistence.Tests;

/// <summary><see cref="PersistenceSettingsReader"/> against the embedded reference.conf and user overrides.</summary>
public sealed class SettingsFromConfigTests
{
    private const string Section = PersistenceSettings.Section;
    private static readonly Assembly Module = typeof(PersistenceSettings).Assembly;

    [Fact]
    public void Reference_conf_alone_yields_the_record_defaults()
    {
        var settings = PersistenceSettingsReader.Read(ConfigLoader.Load((string?)null, null, Module));
        Assert.Equal(PersistenceSettings.Default, settings);
        Assert.Equal(PersistenceSettings.Create(), settings);
    }

    [Fact]
    public void Overrides_in_a_user_file_are_honoured_and_the_rest_keeps_its_defaults()
    {
        var file = Path.Combine(Path.GetTempPath(), $"actorrec-persistence-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, """
            actorrec.persistence {
              plugin = postgres
              postgres.connection-string = ${?PG}
              group-commit { max-bytes = 1 MiB, window = 5ms }
              sqlite.synchronous = normal
              snapshot.delete-events = on
            }
            """);
        try
        {
            var env = new Dictionary<string, string> { ["PG"] = "Host=db;Database=actorrec" };
            var settings = PersistenceSettingsReader.Read(ConfigLoader.Load(file, env, Module));
            Assert.Equal(
                PersistenceSettings.Default with
                {
                    Plugin = PersistencePlugin.Postgres,
                    ConnectionString = "Host=db;Database=actorrec",
                    MaxBatchBytes = 1L << 20,
                    BatchWindow = TimeSpan.FromMilliseconds(5),
                    SqliteSynchronousFull = false,
                    DeleteEventsOnSnapshot = true,
                },
                settings);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("plugin", "mongo")]
    [InlineData("data-dir", "\"\"")]
    [InlineData("sqlite.synchronous", "off")]
    [InlineData("group-commit.max-batch", "0")]
    [InlineData("group-commit.max-batch", "many")]
    [InlineData("group-commit.max-bytes", "0")]
    [InlineData("group-commit.max-bytes", "16 parsecs")]
    [InlineData("group-commit.window", "2s")]
    [InlineData("group-commit.window", "-1ms")]
    [InlineData("query.read-batch", "-5")]
    [InlineData("query.poll-interval", "0s")]
    [InlineData("query.gap-timeout", "-1s")]
    [InlineData("snapshot.every", "-1")]
    [InlineData("snapshot.on-passivation", "sometimes")]
    [InlineData("snapshot.delete-events", "2")]
    [InlineData("snapshots.every", "10")]
    public void A_bad_value_throws_naming_the_full_key(string key, string value)
    {
        var config = ConfigFactory.ParseString($"{Section}.{key} = {value}")
            .WithFallback(ConfigLoader.LoadReferences(Module))
            .Resolve();
        var ex = Assert.Throws<SettingsException>(() => PersistenceSettingsReader.Read(config));
        Assert.Equal($"{Section}.{key}", ex.Path);
        Assert.Contains($"'{Section}.{key}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_without_a_connection_string_names_that_key()
    {
        var config = ConfigFactory.ParseString($"{Section}.plugin = postgres").WithFallback(ConfigLoader.LoadReferences(Module)).Resolve();
        var ex = Assert.Throws<SettingsException>(() => PersistenceSettingsReader.Read(config));
        Assert.Equal($"{Section}.postgres.connection-string", ex.Path);
    }

    [Fact]
    public void The_reader_knows_exactly_the_keys_of_reference_conf()
    {
        var section = ConfigLoader.LoadReferences(Module).Resolve().GetConfig(Section);
        var leaves = ReferenceConf.LeafPaths(section.Root).Select(l => l.Path).ToArray();
        Assert.Equal(leaves.Order(StringComparer.Ordinal), PersistenceSettingsReader.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_key_of_reference_conf_is_read()
    {
        // Replacing any one key by an object must fail on that key: proves the reader looks at it.
        var references = ConfigLoader.LoadReferences(Module);
        foreach (var leaf in ReferenceConf.LeafPaths(references.Resolve().GetConfig(Section).Root))
        {
            var config = ConfigFactory.ParseString($"{Section}.{leaf.Path} {{ not-a-value = 1 }}").WithFallback(references).Resolve();
            var ex = Assert.Throws<SettingsException>(() => PersistenceSettingsReader.Read(config));
            Assert.Equal($"{Section}.{leaf.Path}", ex.Path);
        }
    }

    [Fact]
    public void Every_key_of_reference_conf_has_a_comment_directly_above()
    {
        Assert.Empty(ReferenceConf.UncommentedKeys(ReferenceConf.ReadText(Module)));
    }
}
