using System.Reflection;
using ActorRec.Hocon;
using ActorRec.Hocon.Settings;

namespace ActorRec.Actors.Tests;

/// <summary><see cref="ActorSystemSettingsReader"/> against the embedded reference.conf and user overrides.</summary>
public sealed class SettingsFromConfigTests
{
    private const string Section = ActorSystemSettings.Section;
    private static readonly Assembly Module = typeof(ActorSystemSettings).Assembly;

    [Fact]
    public void Reference_conf_alone_yields_the_record_defaults()
    {
        var settings = ActorSystemSettingsReader.Read(ConfigLoader.Load((string?)null, null, Module));
        Assert.Equal(ActorSystemSettings.Default, settings);
    }

    [Fact]
    public void Overrides_in_a_user_file_are_honoured_and_the_rest_keeps_its_defaults()
    {
        var file = Path.Combine(Path.GetTempPath(), $"actorrec-actors-{Guid.NewGuid():N}.conf");
        File.WriteAllText(file, """
            actorrec.actors {
              throughput = 5
              default-mailbox { type = bounded, capacity = 64, overflow = fail-sender }
              ask-timeout = infinite
              shutdown-timeout = 250ms
            }
            """);
        try
        {
            var settings = ActorSystemSettingsReader.Read(ConfigLoader.Load(file, null, Module));
            var expected = ActorSystemSettings.Create(
                throughput: 5,
                defaultMailboxType: "bounded",
                defaultMailboxCapacity: 64,
                defaultMailboxOverflow: "fail-sender",
                askTimeout: Timeout.InfiniteTimeSpan,
                shutdownTimeout: TimeSpan.FromMilliseconds(250));
            Assert.Equal(expected, settings);
            Assert.Equal(MailboxSpec.Bounded(64, OverflowPolicy.FailSender), settings.DefaultMailbox);
            Assert.Equal(ActorSystemSettings.Default.DeadLetterLogRate, settings.DeadLetterLogRate);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("throughput", "0")]
    [InlineData("throughput", "100001")]
    [InlineData("throughput", "fast")]
    [InlineData("default-mailbox.type", "ring")]
    [InlineData("default-mailbox.capacity", "0")]
    [InlineData("default-mailbox.overflow", "drop-oldest")]
    [InlineData("dead-letter-log-rate", "-1")]
    [InlineData("ask-timeout", "0s")]
    [InlineData("ask-timeout", "soon")]
    [InlineData("shutdown-timeout", "-1s")]
    [InlineData("prefer-local-queue", "sometimes")]
    [InlineData("throughtput", "30")]
    public void A_bad_value_throws_naming_the_full_key(string key, string value)
    {
        // A bounded mailbox makes Create look at the overflow name too.
        var config = ConfigFactory.ParseString($"{Section}.default-mailbox.type = bounded\n{Section}.{key} = {value}")
            .WithFallback(ConfigLoader.LoadReferences(Module))
            .Resolve();
        var ex = Assert.Throws<SettingsException>(() => ActorSystemSettingsReader.Read(config));
        Assert.Equal($"{Section}.{key}", ex.Path);
        Assert.Contains($"'{Section}.{key}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reader_knows_exactly_the_keys_of_reference_conf()
    {
        var section = ConfigLoader.LoadReferences(Module).Resolve().GetConfig(Section);
        var leaves = ReferenceConf.LeafPaths(section.Root).Select(l => l.Path).ToArray();
        Assert.Equal(leaves.Order(StringComparer.Ordinal), ActorSystemSettingsReader.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_key_of_reference_conf_is_read()
    {
        // Replacing any one key by an object must fail on that key: proves the reader looks at it.
        var references = ConfigLoader.LoadReferences(Module);
        foreach (var leaf in ReferenceConf.LeafPaths(references.Resolve().GetConfig(Section).Root))
        {
            var config = ConfigFactory.ParseString($"{Section}.{leaf.Path} {{ not-a-value = 1 }}").WithFallback(references).Resolve();
            var ex = Assert.Throws<SettingsException>(() => ActorSystemSettingsReader.Read(config));
            Assert.Equal($"{Section}.{leaf.Path}", ex.Path);
        }
    }

    [Fact]
    public void Every_key_of_reference_conf_has_a_comment_directly_above()
    {
        Assert.Empty(ReferenceConf.UncommentedKeys(ReferenceConf.ReadText(Module)));
    }
}
