using ActorRec.Actors.TestKit;
using ActorRec.Recommender.Features;

namespace ActorRec.Recommender.Tests.Features;

public sealed class CuckooEmbeddingTableTests
{
    [Fact]
    public void A_million_random_ids_at_94_percent_load_each_own_a_distinct_row()
    {
        const int slots = 1 << 20;
        var n = (int)(slots * 0.94);
        var table = new CuckooEmbeddingTable(new EmbeddingTableSettings(Dimension: 2, InitialCapacity: slots, AdmissionThreshold: 1, SketchWidth: 1 << 10));
        var random = new Random(12);
        var ids = new ulong[n];
        var unique = new HashSet<ulong>(n);
        for (var i = 0; i < n; i++)
        {
            ulong id;
            do
            {
                id = (ulong)random.NextInt64();
            }
            while (!unique.Add(id));

            ids[i] = id;
            Assert.True(table.TryGetOrAdmit(id, out var row));
            row[0] = i;
            row[1] = -i;
        }

        Assert.Equal(0, table.Growths);
        Assert.Equal(n, table.Count);
        Assert.True(table.LoadFactor >= 0.93, $"load factor {table.LoadFactor:F3}");

        // Every id reads back exactly what was written to its row: no two ids share one.
        for (var i = 0; i < n; i++)
        {
            Assert.True(table.TryGet(ids[i], out var row));
            Assert.Equal(i, row[0]);
            Assert.Equal(-i, row[1]);
        }

        Assert.False(table.Contains(ids[0] ^ 0x5555));

        // Memory per row at this load, dimension 2: (32 + 4·2) B per slot / 0.94 load = 42.6 B.
        var bytesPerRow = (double)table.AllocatedBytes / table.Count;
        Assert.InRange(bytesPerRow, 42, 43.5);
    }

    [Fact]
    public void Growth_and_the_stash_keep_every_row_intact()
    {
        var table = new CuckooEmbeddingTable(new EmbeddingTableSettings(Dimension: 3, InitialCapacity: 8, AdmissionThreshold: 1, MaxKicks: 4, StashSize: 2));
        for (ulong id = 1; id <= 20_000; id++)
        {
            Assert.True(table.TryGetOrAdmit(id * 7919, out var row));
            row.Fill(id);
        }

        Assert.True(table.Growths > 5);
        for (ulong id = 1; id <= 20_000; id++)
        {
            Assert.True(table.TryGet(id * 7919, out var row));
            Assert.Equal([id, id, id], row.ToArray());
        }
    }

    [Fact]
    public void Ids_below_the_admission_threshold_get_no_row()
    {
        var table = new CuckooEmbeddingTable(new EmbeddingTableSettings(Dimension: 4, AdmissionThreshold: 3));

        Assert.False(table.TryGetOrAdmit(42, out _));
        Assert.False(table.TryGetOrAdmit(42, out _));
        Assert.False(table.Contains(42));
        Assert.True(table.TryGetOrAdmit(42, out var row));
        Assert.Equal(4, row.Length);
        Assert.Equal(1, table.Count);

        // One-off ids never get a row.
        for (ulong id = 1_000; id < 2_000; id++)
        {
            Assert.False(table.TryGetOrAdmit(id, out _));
        }

        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Probabilistic_admission_admits_about_the_configured_share()
    {
        var table = new CuckooEmbeddingTable(new EmbeddingTableSettings(Dimension: 1, AdmissionThreshold: 1_000, AdmissionProbability: 0.1));
        for (ulong id = 1; id <= 10_000; id++)
        {
            table.TryGetOrAdmit(id, out _);
        }

        // Binomial(10000, 0.1): mean 1000, sd 30.
        Assert.InRange(table.Count, 880, 1_120);
    }

    [Fact]
    public void Rows_not_updated_within_the_expiry_are_evicted_and_their_space_reused()
    {
        var clock = new VirtualTimeProvider();
        var table = new CuckooEmbeddingTable(new EmbeddingTableSettings(Dimension: 2, AdmissionThreshold: 1, Expiry: TimeSpan.FromHours(1)), clock);
        for (ulong id = 1; id <= 100; id++)
        {
            table.TryGetOrAdmit(id, out _);
        }

        clock.Advance(TimeSpan.FromMinutes(50));
        for (ulong id = 1; id <= 10; id++)
        {
            Assert.True(table.TryGetForUpdate(id, out var row));
            row[0] = 5f;
        }

        clock.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(90, table.EvictExpired());
        Assert.Equal(10, table.Count);
        Assert.True(table.Contains(3));
        Assert.False(table.Contains(50));

        var bytes = table.AllocatedBytes;
        for (ulong id = 1_000; id < 1_090; id++)
        {
            table.TryGetOrAdmit(id, out _);
        }

        Assert.Equal(100, table.Count);
        Assert.Equal(bytes, table.AllocatedBytes);

        clock.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal(100, table.EvictExpired());
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Mean_pool_averages_the_admitted_rows_only()
    {
        var table = new CuckooEmbeddingTable(new EmbeddingTableSettings(Dimension: 2, AdmissionThreshold: 1));
        table.TryGetOrAdmit(1, out var a);
        a[0] = 1f;
        a[1] = 3f;
        table.TryGetOrAdmit(2, out var b);
        b[0] = 3f;
        b[1] = 5f;
        var pooled = new float[2];

        var found = table.MeanPool([1, 2, 99], pooled);

        Assert.Equal(2, found);
        Assert.Equal([2f, 4f], pooled);
        Assert.True(table.Remove(1));
        Assert.False(table.Remove(1));
        Assert.Equal(1, table.MeanPool([1, 2], pooled));
        Assert.Equal([3f, 5f], pooled);
    }

    [Fact]
    public void Bad_settings_name_the_key()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingTableSettings.Create(new EmbeddingTableSettings(BucketSize: 0)));
        Assert.Contains("embedding-table.bucket-size", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingTableSettings.Create(new EmbeddingTableSettings(AdmissionProbability: 2)));
    }
}
