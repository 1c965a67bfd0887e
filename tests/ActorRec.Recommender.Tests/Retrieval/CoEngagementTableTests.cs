using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Retrieval;

namespace ActorRec.Recommender.Tests.Retrieval;

public sealed class CoEngagementTableTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Learns_symmetric_decayed_pairs_and_gathers_best_first()
    {
        var table = new CoEngagementTable(neighbours: 8, window: 3, decay: 0.5f, initialRows: 4);
        table.Record(1, [0]);
        table.Record(2, [1, 0]);
        table.Record(1, [2]);

        Assert.Equal(2f, table.Count(1, 2));
        Assert.Equal(2f, table.Count(2, 1));
        Assert.Equal(1f, table.Count(0, 1));
        Assert.Equal(0.5f, table.Count(0, 2));
        Assert.Equal(0f, table.Count(0, 0));

        Span<int> rows = stackalloc int[16];
        Span<float> scores = stackalloc float[16];
        var n = table.Gather([2], rows, scores);
        Assert.Equal(2, n);
        Assert.Equal(1, rows[0]);
        Assert.Equal(0, rows[1]);
        Assert.True(scores[0] > scores[1]);

        // Seeds that share a partner add up: 0 and 1 both lead to 2.
        var single = table.Gather([0], rows, scores) > 0 ? ScoreOf(2, rows, scores, table.Gather([0], rows, scores)) : 0f;
        var both = table.Gather([0, 1], rows, scores);
        Assert.True(ScoreOf(2, rows, scores, both) > single);
    }

    [Fact]
    public void A_partly_ordered_gather_has_the_full_order_at_its_head_and_the_same_entries_behind()
    {
        var table = new CoEngagementTable(neighbours: 64, window: 8, decay: 0.8f, initialRows: 512);
        var rng = new Random(11);
        var recent = new int[4];
        for (var e = 0; e < 4_000; e++)
        {
            for (var j = 0; j < recent.Length; j++)
            {
                recent[j] = rng.Next(300);
            }

            table.Record(rng.Next(300), recent);
        }

        int[] seeds = [1, 2, 3, 4, 5, 6, 7, 8];
        var fullRows = new int[512];
        var fullScores = new float[512];
        var n = table.Gather(seeds, fullRows, fullScores);
        Assert.True(n > 100, $"{n} partners");

        var rows = new int[512];
        var scores = new float[512];
        Assert.Equal(n, table.Gather(seeds, rows, scores, ordered: 40));
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(fullScores[i], scores[i]);
            Assert.True(i == 0 || scores[i - 1] >= scores[i]);
        }

        // Behind the head: no entry beats the head's last, and sorting it completes the full order.
        for (var i = 40; i < n; i++)
        {
            Assert.True(scores[i] <= scores[39]);
        }

        CoEngagementTable.SortBestFirst(rows.AsSpan(40, n - 40), scores.AsSpan(40, n - 40));
        Assert.Equal(fullScores.AsSpan(0, n).ToArray(), scores.AsSpan(0, n).ToArray());
        Assert.Equal(fullRows.AsSpan(0, n).ToArray().Order(), rows.AsSpan(0, n).ToArray().Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Gather(seeds, rows, scores, ordered: -1));
    }

    [Fact]
    public void Stays_bounded_and_keeps_the_heavy_hitters()
    {
        var table = new CoEngagementTable(neighbours: 4, window: 1, decay: 1f, initialRows: 8);
        var bytesBefore = -1L;
        for (var i = 0; i < 2000; i++)
        {
            table.Record(0, [1]);
            table.Record(0, [1]);
            table.Record(0, [10 + (i % 500)]);
            if (i == 999)
            {
                bytesBefore = table.MemoryBytes;
            }
        }

        // Row 1 gains 2 an iteration and loses at most 1 to the one-off partner's miss: it stays, near 2000.
        Assert.InRange(table.PartnerCount(0), 1, 4);
        Assert.InRange(table.Count(0, 1), 1999f, 4000f);
        Assert.True(table.Count(0, 10) <= 1f);
        Assert.Equal(bytesBefore, table.MemoryBytes);
        Assert.Equal((long)512 * ((4 * 8) + 8), table.MemoryBytes); // rows 0..509 → 512 rows of 4 partners

        Span<int> rows = stackalloc int[4];
        Span<float> scores = stackalloc float[4];
        var n = table.Gather([0], rows, scores);
        Assert.InRange(n, 1, 4);
        Assert.Equal(1, rows[0]);
    }

    [Fact]
    public void Rejects_bad_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoEngagementTable(0, 10, 0.8f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoEngagementTable(8, 10, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CoEngagementTable(8, 10, 0.8f).Record(-1, []));
        Assert.Throws<FeedSettingsException>(() => (FeedSettings.Default with { Retrieval = new RetrievalSettings { CoEngagementNeighbours = 0 } }).Validate());
    }

    [Fact]
    public void Users_who_liked_A_then_B_make_B_a_coengaged_candidate_for_a_new_fan_of_A()
    {
        var engine = new LocalFeedEngine(FeedSettings.Default);
        engine.LoadDemo(new DemoCatalogOptions { Videos = 400, Now = T });
        var a = engine.Catalog.Info(17).VideoId;
        var b = engine.Catalog.Info(311).VideoId;
        var at = T;
        for (var u = 0; u < 30; u++)
        {
            at = at.AddSeconds(10);
            Assert.Equal(ApplyOutcome.Applied, engine.Apply(Completion("a" + u, "fan" + u, a, at)));
            Assert.Equal(ApplyOutcome.Applied, engine.Apply(Completion("b" + u, "fan" + u, b, at.AddSeconds(5))));
        }

        Assert.True(engine.Pipeline.Retriever.CoEngagement.Count(17, 311) >= 30f);
        var newcomer = "newcomer";
        engine.Apply(Completion("n", newcomer, a, at.AddSeconds(30)));
        var feed = engine.GetFeed(newcomer, new FeedRequest(10, null, at.AddSeconds(31)));
        var top = Assert.Single(feed.Items, i => i.VideoId == b);
        Assert.True((top.Sources & RetrievalSource.CoEngaged) != 0);
        Assert.True(top.Parts.CoEngage > 0f);

        // A user with no positive on A gets no co-engagement lift for B.
        engine.Apply(Completion("o", "other", engine.Catalog.Info(5).VideoId, at.AddSeconds(30)));
        var other = engine.GetFeed("other", new FeedRequest(10, null, at.AddSeconds(31)));
        Assert.DoesNotContain(other.Items, i => i.VideoId == b && i.Parts.CoEngage > 0f);
    }

    private static InteractionEvent Completion(string id, string user, string video, DateTimeOffset at) =>
        new(id, InteractionType.View, user, video, at, WatchMs: 60_000, DurationMs: 60_000);

    private static float ScoreOf(int row, Span<int> rows, Span<float> scores, int n)
    {
        for (var i = 0; i < n; i++)
        {
            if (rows[i] == row)
            {
                return scores[i];
            }
        }

        return 0f;
    }
}
