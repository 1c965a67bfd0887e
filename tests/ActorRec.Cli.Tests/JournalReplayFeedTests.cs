using System.Text.Json;
using ActorRec.Persistence;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;

namespace ActorRec.Cli.Tests;

/// <summary>
/// <c>actorrec journal replay user/ID --feed</c> over a SQLite journal written by a real feed node (FeedEngine in
/// process, its wall clock stepped by the test so that the journal's times are known).
/// </summary>
public sealed class JournalReplayFeedTests : IAsyncLifetime, IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDir _dir = new();
    private readonly SteppedClock _clock = new(T0);

    public async Task InitializeAsync()
    {
        var persistence = PersistenceSettings.Create(plugin: "sqlite", dataDir: Path.Combine(_dir.Path, "data"));
        await using var engine = FeedEngine.Open(FeedSettings.Default, EntitySettings.Create(rankingActors: 1), persistence, time: _clock);
        for (var i = 0; i < 6; i++)
        {
            await engine.PutVideoAsync($"v{i}", new VideoUpload($"c{i}", 15_000, [i % 2 == 0 ? "cats" : "cars"], "a clip", "s1", "US"));
        }

        _clock.Now = T0.AddMinutes(1);
        await engine.IngestAsync([View("e1", "v0")]);
        _clock.Now = T0.AddSeconds(100);
        // The node's checkpoint history in the data dir's default place (actorrec.feed.checkpoint), one entry at 10:01:40.
        var checkpointer = new Recommender.Checkpoints.ModelCheckpointer(engine.Pipeline, Path.Combine(_dir.Path, "data", "model-state.ckpt"),
            TimeSpan.FromMinutes(5), _clock, history: 12);
        Assert.True(checkpointer.Save());
        _clock.Now = T0.AddMinutes(2);
        await engine.PutVideoAsync("v6", new VideoUpload("c6", 15_000, ["cats"], "a later clip", "s1", "US"));
        await engine.IngestAsync([View("e2", "v1")]);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Replay_feed_at_a_time_prints_the_transitions_then_the_feed_of_that_time_with_explanations()
    {
        var result = await RunAsync("journal", "replay", "user/u1", "--to-time", "2026-11-21T10:01:30Z", "--feed", "--count", "50", "--data-dir", "data");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        var text = result.Output.ReplaceLineEndings("\n");
        Assert.StartsWith("initial\t(no events)\n#1\t2026-11-21T10:01:00.000Z\t", text, StringComparison.Ordinal);
        Assert.DoesNotContain("#2\t", text, StringComparison.Ordinal);
        Assert.Contains("feed of user u1 at 2026-11-21T10:01:30.000Z (user state after #1, 1 events; 6 videos as of T, 1 registered later;", text, StringComparison.Ordinal);
        Assert.Contains("as of T: user state", text, StringComparison.Ordinal);
        Assert.Contains("defaults (not journaled): online ranking model", text, StringComparison.Ordinal);
        Assert.Contains("(no node checkpoint at or before T in ", text, StringComparison.Ordinal); // the one at 10:01:40 is after T
        Assert.Contains("score parts: engage", text, StringComparison.Ordinal);
        var items = FeedItems(text);
        Assert.DoesNotContain("v0", items);
        Assert.DoesNotContain("v6", items);
        Assert.Contains("v1", items);
    }

    [Fact]
    public async Task Replay_feed_to_a_sequence_number_as_json_holds_the_transitions_and_the_later_feed()
    {
        var result = await RunAsync("journal", "replay", "user/u1", "--to-seq", "2", "--feed", "--count", "50", "--json", "--data-dir", "data");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal("u1", root.GetProperty("userId").GetString());
        Assert.Equal("2026-11-21T10:02:00.000Z", root.GetProperty("at").GetString());
        Assert.Equal(2, root.GetProperty("lastSequenceNr").GetInt64());
        Assert.Equal(7, root.GetProperty("videos").GetInt32());
        Assert.Equal(3, root.GetProperty("transitions").GetArrayLength());
        // The data dir's checkpoint history holds one entry before T (10:01:40): the model and co-engagement come from it.
        Assert.Equal(0, root.GetProperty("defaults").GetArrayLength());
        Assert.Contains(root.GetProperty("asOfT").EnumerateArray(),
            e => e.GetString()!.Contains("node checkpoint captured 2026-11-21T10:01:40.000Z (20 s before T;", StringComparison.Ordinal));
        var ids = new List<string>();
        foreach (var item in root.GetProperty("feed").GetProperty("items").EnumerateArray())
        {
            ids.Add(item.GetProperty("videoId").GetString()!);
            Assert.True(item.GetProperty("explain").GetProperty("score").TryGetProperty("final", out _));
        }

        Assert.DoesNotContain("v0", ids);
        Assert.DoesNotContain("v1", ids);
        Assert.Contains("v6", ids);
    }

    [Theory]
    [InlineData(ExitCodes.Failure, "no events for 'user/nobody'", "user/nobody")]
    [InlineData(ExitCodes.Failure, "'user/u1' has no event at or before 2026-11-21T10:00:30.000Z; its first event is at 2026-11-21T10:01:00.000Z", "user/u1", "--to-time", "2026-11-21T10:00:30Z")]
    [InlineData(ExitCodes.Usage, "--feed needs a user's persistence id (user/ID); 'video/v0' is not a user", "video/v0")]
    [InlineData(ExitCodes.Usage, "--json, --count, --region and --checkpoints apply to replay --feed", "user/u1", "--json", "--no-feed")]
    [InlineData(ExitCodes.Usage, "--checkpoints: no folder ", "user/u1", "--checkpoints", "nowhere")]
    public async Task Bad_arguments_are_clear_errors(int exitCode, string message, params string[] args)
    {
        var withFeed = !args.Contains("--no-feed");
        var all = new List<string> { "journal", "replay" };
        foreach (var a in args)
        {
            if (a != "--no-feed")
            {
                all.Add(a);
            }
        }

        if (withFeed)
        {
            all.Add("--feed");
        }

        all.AddRange(["--data-dir", "data"]);
        var result = await RunAsync([.. all]);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Output);
    }

    private static InteractionEvent View(string id, string videoId) =>
        new(id, InteractionType.View, "u1", videoId, T0, 15_000, 15_000, 0, "US", "ios");

    /// <summary>The video ids of the numbered feed lines ("  1. v3  score ...").</summary>
    private static List<string> FeedItems(string text)
    {
        var ids = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.TrimStart();
            var dot = trimmed.IndexOf(". ", StringComparison.Ordinal);
            if (dot > 0 && int.TryParse(trimmed[..dot], out _))
            {
                var rest = trimmed[(dot + 2)..];
                ids.Add(rest[..rest.IndexOf(' ', StringComparison.Ordinal)]);
            }
        }

        return ids;
    }

    private Task<CliResult> RunAsync(params string[] args) => CliRunner.RunAsync(_dir.Path, args);

    /// <summary>A wall clock the test sets; timers and timestamps of elapsed time stay real.</summary>
    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
