using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Tests.Catalog;

public sealed class VideoCatalogTests
{
    private static readonly FeedSettings Settings = FeedSettings.Default;
    private static readonly DateTimeOffset T = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static VideoState Video(int i, string creator = "c") =>
        new($"v{i}", new VideoUpload($"{creator}{i % 3}", 10_000, [$"t{i % 4}"], "", null, "US"), T.AddMinutes(i), Settings);

    [Fact]
    public void Rows_ids_creators_cold_start_and_index_stay_in_sync()
    {
        var index = new ExactVideoIndex(Settings.EmbeddingDim);
        var catalog = new VideoCatalog(Settings.EmbeddingDim, index, initialCapacity: 2);
        var videos = Enumerable.Range(0, 40).Select(i => Video(i)).ToList();
        foreach (var v in videos)
        {
            catalog.Upsert(v);
        }

        Assert.Equal(40, catalog.Count);
        Assert.True(catalog.TryGetRow("v17", out var row17));
        Assert.Equal(17, row17);
        Assert.False(catalog.TryGetRow("nope", out _));
        Assert.Equal(videos[17].Embedding.ToArray(), catalog.Row(17).ToArray());
        Assert.Equal(Enumerable.Range(0, 40).Where(i => i % 3 == 1), catalog.RowsOfCreator(DomainKeys.Creator("c1")));
        Assert.Equal(40, catalog.ColdStartRows().Length);
        Assert.Equal(40, index.LiveCount);

        videos[5].SetModeration(ModerationState.Removed);
        catalog.Upsert(videos[5]);
        Assert.Equal(39, catalog.ColdStartRows().Length);
        Assert.Equal(39, index.LiveCount);
        Assert.Equal(ModerationState.Removed, catalog.Info(5).Moderation);
        Assert.Equal(40, catalog.Count);

        // The dense filter facts follow the metadata (rows were appended through several storage growths).
        for (var row = 0; row < catalog.Count; row++)
        {
            Assert.Equal(catalog.Info(row).VideoKey, catalog.FilterFacts(row, out var approved));
            Assert.Equal(row != 5, approved);
        }

        videos[5].SetModeration(ModerationState.Approved);
        catalog.Upsert(videos[5]);
        catalog.FilterFacts(5, out var approvedAgain);
        Assert.True(approvedAgain);
        videos[5].SetModeration(ModerationState.Removed);
        catalog.Upsert(videos[5]);

        var facts = catalog.Facts(17);
        Assert.Equal(("v17", "c2", "t1", 10_000L), (facts.VideoId, facts.CreatorId, facts.Topic, facts.DurationMs));
    }

    [Fact]
    public async Task Readers_see_consistent_rows_while_a_writer_grows_the_catalog()
    {
        var catalog = new VideoCatalog(Settings.EmbeddingDim, new ExactVideoIndex(Settings.EmbeddingDim), initialCapacity: 2);
        var videos = Enumerable.Range(0, 3_000).Select(i => Video(i)).ToList();
        var done = 0;
        var reader = Task.Run(() =>
        {
            var checks = 0;
            while (Volatile.Read(ref done) == 0 || checks == 0)
            {
                var n = catalog.Count;
                for (var r = Math.Max(0, n - 50); r < n; r++)
                {
                    var info = catalog.Info(r);
                    Assert.Equal($"v{r}", info.VideoId);
                    Assert.Equal(Settings.EmbeddingDim, catalog.Row(r).Length);
                    checks++;
                }
            }

            return checks;
        });
        foreach (var v in videos)
        {
            catalog.Upsert(v);
        }

        Volatile.Write(ref done, 1);
        Assert.True(await reader.WaitAsync(TimeSpan.FromSeconds(30)) > 0);
        Assert.Equal(3_000, catalog.Count);
    }

    [Fact]
    public void Engagement_keeps_the_row_metadata_and_a_new_upload_replaces_it()
    {
        var catalog = new VideoCatalog(Settings.EmbeddingDim, new ExactVideoIndex(Settings.EmbeddingDim));
        var video = Video(1);
        var row = catalog.Upsert(video);
        var info = catalog.Info(row);

        var e = new InteractionEvent("e1", InteractionType.Like, "u1", "v1", T.AddMinutes(5), 9_000, 10_000, 0, "US", "ios");
        video.Apply(e, new float[Settings.EmbeddingDim]);
        catalog.Upsert(video);
        Assert.Same(info, catalog.Info(row));
        Assert.Equal(video.Views, catalog.Stats(row, T.AddMinutes(5), TimeSpan.FromHours(1)).Views);

        // Same values in a new list object: still the same metadata.
        video.Update(video.Upload with { Hashtags = ["t1"] });
        catalog.Upsert(video);
        Assert.Same(info, catalog.Info(row));

        video.Update(video.Upload with { CreatorId = "other", Hashtags = ["t9", "t1"] });
        catalog.Upsert(video);
        var changed = catalog.Info(row);
        Assert.NotSame(info, changed);
        Assert.Equal(("other", "t9"), (changed.CreatorId, changed.Topic));
        Assert.Equal([DomainKeys.Topic("t9"), DomainKeys.Topic("t1")], changed.HashtagKeys);
        Assert.Equal([row], catalog.RowsOfCreator(DomainKeys.Creator("other")));
        Assert.Empty(catalog.RowsOfCreator(DomainKeys.Creator("c1")));
    }
}
