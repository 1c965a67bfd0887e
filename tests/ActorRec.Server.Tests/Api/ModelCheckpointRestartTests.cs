using System.Net;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Recommender.Model;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Server.Tests.Api;

/// <summary>The node's learned in-memory state (ranking model, co-engagement, placements) survives a restart of the feed host.</summary>
public sealed class ModelCheckpointRestartTests : IDisposable
{
    private static readonly string[] Topics = ["cats", "dogs", "cooking", "soccer"];
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("actorrec-ckpt-api-");

    private string CheckpointPath => Path.Combine(_dir.FullName, "model-state.ckpt");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task A_restart_of_the_feed_host_keeps_the_models_learned_predictions_and_co_engagement()
    {
        List<TaskPredictions> untrained;
        List<TaskPredictions> learned;
        float coEngagement;
        await using (var node = await FeedTestNode.StartAsync(_dir.FullName))
        {
            for (var i = 0; i < 12; i++)
            {
                await node.PutVideoAsync($"v{i}", Topics[i % Topics.Length], $"c{i % 3}");
            }

            untrained = Predictions(node);
            var n = 0;
            for (var round = 0; round < 4; round++)
            {
                for (var u = 0; u < 6; u++)
                {
                    var events = new InteractionEventDto[12];
                    for (var i = 0; i < events.Length; i++)
                    {
                        // Users like cats and skip soccer: the model's heads learn it.
                        var video = $"v{(i + u + round) % 12}";
                        var topic = Topics[((i + u + round) % 12) % Topics.Length];
                        events[i] = topic == "soccer"
                            ? FeedTestNode.Event($"e{n++}", "skip", $"u{u}", video, 300)
                            : FeedTestNode.Event($"e{n++}", topic == "cats" ? "like" : "view", $"u{u}", video, 14_000);
                    }

                    var response = await node.PostEventsAsync(events);
                    Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                }
            }

            learned = Predictions(node);
            coEngagement = CoEngagement(node, "v0", "v1");
            Assert.NotEqual(untrained, learned);
            Assert.True(coEngagement > 0f, "the likes and views paired videos");
            Assert.False(File.Exists(CheckpointPath), "the periodic interval (5 min) has not passed");
        }

        Assert.True(File.Exists(CheckpointPath), "a graceful stop writes the checkpoint");

        await using var restarted = await FeedTestNode.StartAsync(_dir.FullName);

        Assert.Equal(learned, Predictions(restarted));
        Assert.Equal(coEngagement, CoEngagement(restarted, "v0", "v1"));
        Assert.Contains("restored", restarted.Log.ToString(), StringComparison.Ordinal);
        Assert.Equal(200, (int)(await restarted.Client.GetAsync("/v1/feed/u1?count=5")).StatusCode);
    }

    [Fact]
    public async Task A_corrupt_checkpoint_is_logged_with_its_path_and_the_node_starts_fresh()
    {
        await File.WriteAllBytesAsync(CheckpointPath, [0x41, 0x52, 0x43, 0x4B, 1, 0, 0, 0, 9, 9, 9]);

        await using var node = await FeedTestNode.StartAsync(_dir.FullName);
        await node.PutVideoAsync("v0", "cats");

        var log = node.Log.ToString();
        var line = Assert.Single(log.Split('\n'), l => l.Contains("rejected", StringComparison.Ordinal));
        Assert.Contains("[ERR]", line, StringComparison.Ordinal);
        Assert.Contains(CheckpointPath, line, StringComparison.Ordinal);
        Assert.Contains("truncated", line, StringComparison.Ordinal);
        Assert.True(File.Exists(CheckpointPath + ".rejected"));
        Assert.Equal(0, Engine(node).Pipeline.Quality.Model!.Stats().Examples);
        Assert.Equal(200, (int)(await node.Client.GetAsync("/v1/feed/u1?count=5")).StatusCode);
    }

    private static FeedEngine Engine(FeedTestNode node) => node.App.Services.GetRequiredService<FeedEngine>();

    private static float CoEngagement(FeedTestNode node, string from, string to)
    {
        var engine = Engine(node);
        Assert.True(engine.Catalog.TryGetRow(from, out var a));
        Assert.True(engine.Catalog.TryGetRow(to, out var b));
        return engine.Pipeline.Retriever.CoEngagement.Count(a, b);
    }

    /// <summary>Every task for two fixed user vectors against every video, by video id (rows may differ after a restart).</summary>
    private static List<TaskPredictions> Predictions(FeedTestNode node)
    {
        var engine = Engine(node);
        var model = engine.Pipeline.Quality.Model!;
        var context = new RankingContext("US", "ios", 10);
        var list = new List<TaskPredictions>();
        for (var u = 0; u < 2; u++)
        {
            var user = new float[engine.Settings.EmbeddingDim];
            for (var d = 0; d < user.Length; d++)
            {
                user[d] = MathF.Cos((u + 2) * (d + 1)) * 0.2f;
            }

            for (var i = 0; i < 12; i++)
            {
                Assert.True(engine.Catalog.TryGetRow($"v{i}", out var row));
                list.Add(model.Predict(user, row, engine.Catalog, context));
            }
        }

        return list;
    }
}
