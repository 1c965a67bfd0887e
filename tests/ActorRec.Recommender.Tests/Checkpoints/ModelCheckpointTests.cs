using ActorRec.Actors.TestKit;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Checkpoints;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Model;
using ActorRec.Recommender.Tests.Support;
using Microsoft.Extensions.Logging;

namespace ActorRec.Recommender.Tests.Checkpoints;

public sealed class ModelCheckpointTests : IDisposable
{
    private const int Videos = 60;
    private static readonly RankingContext Context = new("US", "ios", 10);
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("actorrec-ckpt-");

    private string FilePath => Path.Combine(_dir.FullName, "model-state.ckpt");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Save_then_restore_gives_identical_predictions_co_engagement_and_placements_even_with_rows_renumbered()
    {
        var trained = Trained();
        new ModelCheckpointer(trained.Pipeline, FilePath, TimeSpan.FromMinutes(1)).Save();

        // The same videos (their learned embeddings come back from the journal) registered in reverse order: every
        // video has another row than in the trained world.
        var fresh = CatalogOf(trained, reverse: true);
        Assert.NotEqual(Row(trained, "v0"), Row(fresh, "v0"));
        Assert.NotEqual(Predictions(trained), Predictions(fresh)); // what the restore must bring back differs before it

        var restored = new ModelCheckpointer(fresh.Pipeline, FilePath, TimeSpan.FromMinutes(1)).Restore();

        Assert.Equal(new RestoredState(true, true, true, 0), restored);
        Assert.Equal(Predictions(trained), Predictions(fresh));
        var (a, b) = (trained.Pipeline.Quality.Model!.Stats(), fresh.Pipeline.Quality.Model!.Stats());
        Assert.Equal((a.Examples, a.SparseRows, a.MeanLoss), (b.Examples, b.SparseRows, b.MeanLoss));
        Assert.Equal(trained.Pipeline.Quality.Model!.Calibration().Count, fresh.Pipeline.Quality.Model!.Calibration().Count);
        var co = (trained.Pipeline.Retriever.CoEngagement, fresh.Pipeline.Retriever.CoEngagement);
        var pairs = 0;
        for (var i = 0; i < Videos; i++)
        {
            Assert.Equal(co.Item1.PartnerCount(Row(trained, $"v{i}")), co.Item2.PartnerCount(Row(fresh, $"v{i}")));
            for (var j = 0; j < Videos; j++)
            {
                var count = co.Item1.Count(Row(trained, $"v{i}"), Row(trained, $"v{j}"));
                Assert.Equal(count, co.Item2.Count(Row(fresh, $"v{i}"), Row(fresh, $"v{j}")));
                pairs += count > 0 ? 1 : 0;
            }
        }

        Assert.True(pairs > 20, $"the training made co-engagement pairs ({pairs})");
        var placed = 0;
        for (var i = 0; i < Videos; i++)
        {
            var n = trained.Catalog.PlacementsInStage(Row(trained, $"v{i}"));
            Assert.Equal(n, fresh.Catalog.PlacementsInStage(Row(fresh, $"v{i}")));
            placed += n;
        }

        Assert.True(placed > 0, "some videos had placements in their stage");
    }

    [Fact]
    public void The_restored_model_keeps_learning_exactly_as_the_original()
    {
        var trained = Trained();
        new ModelCheckpointer(trained.Pipeline, FilePath, TimeSpan.FromMinutes(1)).Save();
        var fresh = CatalogOf(trained, reverse: false);
        new ModelCheckpointer(fresh.Pipeline, FilePath, TimeSpan.FromMinutes(1)).Restore();

        // Adagrad accumulators and sparse rows came back too: the next steps land on the same weights.
        Train(trained, rounds: 1, salt: "more", entities: false);
        Train(fresh, rounds: 1, salt: "more", entities: false);

        Assert.Equal(Predictions(trained), Predictions(fresh));
    }

    [Fact]
    public void A_corrupt_checkpoint_is_rejected_with_a_log_line_naming_the_file_and_the_node_starts_fresh()
    {
        new ModelCheckpointer(Trained().Pipeline, FilePath, TimeSpan.FromMinutes(1)).Save();
        var bytes = File.ReadAllBytes(FilePath);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(FilePath, bytes);
        var fresh = CatalogOnly(reverse: false);
        var before = Predictions(fresh);
        var log = new ListLogger();

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointFile.Read(FilePath, NodeModelState.Version));
        var restored = new ModelCheckpointer(fresh.Pipeline, FilePath, TimeSpan.FromMinutes(1), logger: log).Restore();

        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
        Assert.Contains(FilePath, error.Message, StringComparison.Ordinal);
        Assert.Null(restored);
        var line = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains(FilePath, line.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt payload (checksum mismatch)", line.Message, StringComparison.Ordinal);
        Assert.Equal(before, Predictions(fresh));
        Assert.False(File.Exists(FilePath));
        Assert.True(File.Exists(FilePath + ".rejected"), "the bad file is kept aside, not overwritten by the next checkpoint");
    }

    [Theory]
    [InlineData("version", "format version 2, this build reads version 1")]
    [InlineData("truncated", "truncated")]
    [InlineData("magic", "not an ActorRec checkpoint")]
    [InlineData("header", "corrupt header")]
    public void Other_bad_files_are_refused_with_their_reason(string damage, string reason)
    {
        CheckpointFile.Write(FilePath, damage == "version" ? 2 : 1, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        var bytes = File.ReadAllBytes(FilePath);
        switch (damage)
        {
            case "truncated":
                bytes = bytes[..^3];
                break;
            case "magic":
                bytes[0] = (byte)'X';
                break;
            case "header":
                bytes[9] ^= 1; // the payload length
                break;
        }

        File.WriteAllBytes(FilePath, bytes);

        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointFile.Read(FilePath, 1));

        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Equal(FilePath, error.FilePath);
    }

    [Fact]
    public void A_checkpoint_of_another_configuration_is_refused_naming_the_key_and_changes_nothing()
    {
        new ModelCheckpointer(Trained().Pipeline, FilePath, TimeSpan.FromMinutes(1)).Save();
        var other = FeedSettings.Default with { Model = FeedSettings.Default.Model with { Hidden1 = 16 } };
        var fresh = CatalogOnly(reverse: false, other);
        var before = Predictions(fresh);
        var log = new ListLogger();

        Assert.Null(new ModelCheckpointer(fresh.Pipeline, FilePath, TimeSpan.FromMinutes(1), logger: log).Restore());

        Assert.Contains("model.hidden1 is 32 in the checkpoint, 16 in this configuration", Assert.Single(log.Entries).Message, StringComparison.Ordinal);
        Assert.Equal(before, Predictions(fresh));
        Assert.Equal(0, fresh.Pipeline.Retriever.CoEngagement.PartnerCount(0));
    }

    [Fact]
    public async Task No_file_means_a_fresh_start_and_periodic_checkpoints_follow_the_injected_clock()
    {
        var time = new VirtualTimeProvider(TestWorld.Start);
        var world = Trained();
        var checkpointer = new ModelCheckpointer(world.Pipeline, FilePath, TimeSpan.FromMinutes(5), time);
        Assert.Null(checkpointer.Restore());

        checkpointer.Start();
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, checkpointer.Written);
        Assert.False(File.Exists(FilePath));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, checkpointer.Written);
        Assert.True(File.Exists(FilePath));
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(3, checkpointer.Written);

        await checkpointer.StopAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(4, checkpointer.Written); // the last one, on shutdown
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(4, checkpointer.Written);
        Assert.False(File.Exists(FilePath + ".tmp"));
        Assert.NotNull(CheckpointFile.Read(FilePath, NodeModelState.Version));
    }

    [Fact]
    public async Task Every_checkpoint_is_kept_in_the_history_named_by_its_capture_time_and_only_the_newest_are_kept()
    {
        var time = new VirtualTimeProvider(TestWorld.Start);
        var world = Trained();
        var checkpointer = new ModelCheckpointer(world.Pipeline, FilePath, TimeSpan.FromMinutes(5), time, history: 3);
        Assert.Equal(FilePath + ".history", checkpointer.HistoryFolder);
        checkpointer.Start();
        Directory.CreateDirectory(checkpointer.HistoryFolder);
        var foreign = Path.Combine(checkpointer.HistoryFolder, "notes.ckpt");
        await File.WriteAllTextAsync(foreign, "not a checkpoint of ours");

        time.Advance(TimeSpan.FromMinutes(20)); // ticks at 5, 10, 15, 20 minutes
        await checkpointer.StopAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)); // and one on shutdown, at 20 minutes too

        // Five saves (5, 10, 15, 20 minutes, then the shutdown one at 20, which replaces its namesake): the newest three stay.
        var kept = CheckpointHistory.List(checkpointer.HistoryFolder);
        Assert.Equal([TestWorld.Start.AddMinutes(10), TestWorld.Start.AddMinutes(15), TestWorld.Start.AddMinutes(20)], kept.Select(e => e.CapturedAt).ToArray());
        Assert.True(File.Exists(foreign)); // a name that is not a capture time is never deleted
        Assert.All(kept, e => Assert.NotNull(CheckpointFile.Read(e.Path, NodeModelState.Version)));
        Assert.Equal(TestWorld.Start.AddMinutes(15), CheckpointHistory.AtOrBefore(checkpointer.HistoryFolder, TestWorld.Start.AddMinutes(19))!.CapturedAt);
        Assert.Null(CheckpointHistory.AtOrBefore(checkpointer.HistoryFolder, TestWorld.Start.AddMinutes(9)));
    }

    private static TestWorld CatalogOnly(bool reverse, FeedSettings? settings = null)
    {
        var world = new TestWorld(settings);
        var demo = DemoCatalog.Generate(new DemoCatalogOptions { Videos = Videos, Creators = 6, EstablishedShare = 0, Now = TestWorld.Start });
        for (var i = 0; i < demo.Count; i++)
        {
            var v = demo[reverse ? demo.Count - 1 - i : i];
            world.AddVideo(DemoCatalog.CreateState(v, world.Settings));
        }

        return world;
    }

    /// <summary>A world holding <paramref name="source"/>'s video states (shared: neither world may apply events to videos after this).</summary>
    private static TestWorld CatalogOf(TestWorld source, bool reverse)
    {
        var world = new TestWorld(source.Settings);
        for (var i = 0; i < Videos; i++)
        {
            world.AddVideo(source.Videos[$"v{(reverse ? Videos - 1 - i : i)}"]);
        }

        return world;
    }

    private static TestWorld Trained()
    {
        var world = CatalogOnly(reverse: false);
        Train(world, rounds: 3, salt: "t", entities: true);
        for (var i = 0; i < Videos; i += 3)
        {
            var row = Row(world, $"v{i}");
            for (var k = 0; k <= i % 5; k++)
            {
                world.Catalog.RecordPlacement(row);
            }
        }

        return world;
    }

    /// <summary>
    /// Trains the model and the co-engagement table as the engine does (model on each event, the table in the user's
    /// turn); without <paramref name="entities"/>, only the model learns, from fixed user vectors (users and videos stay as they are).
    /// </summary>
    private static void Train(TestWorld world, int rounds, string salt, bool entities)
    {
        var n = 0;
        for (var round = 0; round < rounds; round++)
        {
            for (var u = 0; u < 8; u++)
            {
                for (var i = 0; i < 12; i++)
                {
                    var videoId = $"v{((u * 7) + (i * 3) + round) % Videos}";
                    var type = i % 4 == 1 ? InteractionType.Like : i % 5 == 3 ? InteractionType.Skip : InteractionType.View;
                    var watch = type == InteractionType.Skip ? 400 : 9_000 + (i * 500);
                    var e = new InteractionEvent($"{salt}{n++}", type, $"u{u}", videoId, TestWorld.Start.AddMinutes(n), watch, 15_000, 0, "US", "ios");
                    if (!entities)
                    {
                        world.Pipeline.Quality.Observe(e, Row(world, videoId), UserVector(world, u), world.Catalog);
                        continue;
                    }

                    var user = world.User($"u{u}");
                    var before = user.EmbeddingToArray();
                    world.Apply(e);
                    world.Pipeline.Quality.Observe(e, Row(world, videoId), before, world.Catalog);
                    world.Pipeline.Retriever.RecordCoEngagement(user, e.VideoKey);
                }
            }
        }
    }

    private static int Row(TestWorld world, string videoId) => world.Catalog.TryGetRow(videoId, out var row) ? row : throw new InvalidOperationException(videoId);

    /// <summary>Every task of a few users' embeddings against every video, by video id (rows differ between worlds).</summary>
    private static List<TaskPredictions> Predictions(TestWorld world)
    {
        var model = world.Pipeline.Quality.Model!;
        var list = new List<TaskPredictions>();
        for (var u = 0; u < 3; u++)
        {
            var user = UserVector(world, u);
            for (var i = 0; i < Videos; i++)
            {
                list.Add(model.Predict(user, Row(world, $"v{i}"), world.Catalog, Context));
            }
        }

        return list;
    }

    private static float[] UserVector(TestWorld world, int u)
    {
        var user = new float[world.Settings.EmbeddingDim];
        for (var d = 0; d < user.Length; d++)
        {
            user[d] = MathF.Sin((u + 1) * (d + 1)) * 0.3f;
        }

        return user;
    }
}
