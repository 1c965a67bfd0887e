using System.Reflection;
using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Compute.Tests;

/// <summary><see cref="ComputeSettingsReader"/> against the embedded reference.conf and user overrides.</summary>
public sealed class SettingsFromConfigTests
{
    private static readonly Assembly Module = typeof(ComputeSettings).Assembly;

    [Fact]
    public void Reference_conf_alone_yields_the_record_defaults()
    {
        var settings = ComputeSettingsReader.Read(ConfigLoader.Load((string?)null, null, Module));
        Assert.Equal(ComputeSettings.Default, settings);
    }

    [Fact]
    public void Overrides_in_a_user_file_are_honoured_and_the_rest_keeps_its_defaults()
    {
        var file = Path.Combine(Path.GetTempPath(), $"actorrec-compute-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, """
            actorrec.compute {
              backend = cpu
              query-block = 32
              storage-precision = bf16
              max-threads = ${THREADS}
              use-cublas = off
            }
            """);
        try
        {
            var env = new Dictionary<string, string> { ["THREADS"] = "3" };
            var settings = ComputeSettingsReader.Read(ConfigLoader.Load(file, env, Module));
            Assert.Equal(
                ComputeSettings.Default with
                {
                    Backend = ComputeBackendKind.Cpu,
                    QueryBlock = 32,
                    StoragePrecision = StoragePrecision.BFloat16,
                    MaxThreads = 3,
                    UseCublas = false,
                },
                settings);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("backend", "gpu")]
    [InlineData("backend", "\"\"")]
    [InlineData("device-index", "-1")]
    [InlineData("device-index", "first")]
    [InlineData("parallel-threshold", "0")]
    [InlineData("parallel-threshold", "1.5")]
    [InlineData("max-threads", "-2")]
    [InlineData("max-threads", "2000")]
    [InlineData("query-block", "0")]
    [InlineData("query-block", "1025")]
    [InlineData("storage-precision", "int8")]
    [InlineData("use-cublas", "maybe")]
    [InlineData("fallback-to-cpu", "[true]")]
    [InlineData("quer-block", "8")]
    public void A_bad_value_throws_naming_the_full_key(string key, string value)
    {
        var config = ConfigFactory.ParseString($"actorrec.compute.{key} = {value}")
            .WithFallback(ConfigLoader.LoadReferences(Module))
            .Resolve();
        var ex = Assert.Throws<SettingsException>(() => ComputeSettingsReader.Read(config));
        Assert.Equal($"actorrec.compute.{key}", ex.Path);
        Assert.Contains($"'actorrec.compute.{key}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reader_knows_exactly_the_keys_of_reference_conf()
    {
        var section = ConfigLoader.LoadReferences(Module).Resolve().GetConfig(ComputeSettings.Path);
        var leaves = ReferenceConf.LeafPaths(section.Root).Select(l => l.Path).ToArray();
        Assert.Equal(leaves.Order(StringComparer.Ordinal), ComputeSettingsReader.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_key_of_reference_conf_is_read()
    {
        // Replacing any one key by an object must fail on that key: proves the reader looks at it.
        var references = ConfigLoader.LoadReferences(Module);
        foreach (var leaf in ReferenceConf.LeafPaths(references.Resolve().GetConfig(ComputeSettings.Path).Root))
        {
            var config = ConfigFactory.ParseString($"actorrec.compute.{leaf.Path} {{ not-a-value = 1 }}").WithFallback(references).Resolve();
            var ex = Assert.Throws<SettingsException>(() => ComputeSettingsReader.Read(config));
            Assert.Equal($"actorrec.compute.{leaf.Path}", ex.Path);
        }
    }

    [Fact]
    public void Every_key_of_reference_conf_has_a_comment_directly_above()
    {
        Assert.Empty(ReferenceConf.UncommentedKeys(ReferenceConf.ReadText(Module)));
    }
}
