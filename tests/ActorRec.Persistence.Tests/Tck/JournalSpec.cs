using System.Text;
using ActorRec.Persistence.Journal;

namespace ActorRec.Persistence.Tests.Tck;

/// <summary>
/// The journal contract ("TCK"): every journal plug-in derives a class from this one and must pass all of it.
/// Reads use a tiny page size (3) so paging is exercised; live queries poll rarely, so only the commit notifier wakes them.
/// </summary>
public abstract class JournalSpec : IAsyncLifetime
{
    protected static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private JournalBase? _journal;

    protected JournalBase Journal => _journal ?? throw new InvalidOperationException("Journal not created.");

    protected static PersistenceSettings TestSettings(PersistencePlugin plugin, string dataDir = "unused", string? connectionString = null) =>
        PersistenceSettings.Default with
        {
            Plugin = plugin,
            DataDir = dataDir,
            ConnectionString = connectionString,
            ReadBatchSize = 3,
            LivePollInterval = TimeSpan.FromMinutes(5),
            GapTimeout = TimeSpan.Zero,
            SqliteSynchronousFull = false,
        };

    public virtual async Task InitializeAsync() => _journal = await CreateJournalAsync();

    public virtual async Task DisposeAsync()
    {
        if (_journal is not null)
        {
            await _journal.DisposeAsync();
        }
    }

    protected abstract Task<JournalBase> CreateJournalAsync();

    /// <summary>Alters the stored payload of one row behind the journal's back (as a disk fault or a bad manual edit would).</summary>
    protected abstract Task TamperAsync(string persistenceId, long sequenceNr, byte[] payload);

    protected static PersistentRepr Ev(string pid, long seq, string text = "", long epoch = 0) =>
        new(pid, seq, "tck.event", 1, Encoding.UTF8.GetBytes(text.Length == 0 ? $"{pid}-{seq}" : text), 1_700_000_000_000 + seq, epoch);

    protected static AtomicWrite Write(string pid, long from, int count, long epoch = 0)
    {
        var events = new PersistentRepr[count];
        for (int i = 0; i < count; i++)
        {
            events[i] = Ev(pid, from + i, epoch: epoch);
        }

        return new AtomicWrite(events);
    }

    protected static AtomicWrite FencedWrite(string pid, long seq, string fenceKey, long epoch) => new(Ev(pid, seq, epoch: epoch), fenceKey);

    protected static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (T item in source)
        {
            list.Add(item);
        }

        return list;
    }

    private async Task<List<long>> SeqsAsync(string pid, long from = 1, long to = long.MaxValue, long max = long.MaxValue)
    {
        var seqs = new List<long>();
        await foreach (PersistentRepr e in Journal.ReplayAsync(pid, from, to, max))
        {
            seqs.Add(e.SequenceNr);
        }

        return seqs;
    }

    [Fact]
    public async Task Writes_replay_in_sequence_order_with_payloads_and_increasing_offsets()
    {
        await Journal.WriteAsync(Write("a", 1, 2));
        await Journal.WriteAsync(Write("b", 1, 1));
        await Journal.WriteAsync(Write("a", 3, 5));

        List<PersistentRepr> a = await ToListAsync(Journal.ReplayAsync("a", 1, long.MaxValue, long.MaxValue));
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], a.Select(e => e.SequenceNr));
        Assert.Equal("a-5", Encoding.UTF8.GetString(a[4].Payload));
        Assert.Equal("tck.event", a[0].Manifest);
        Assert.Equal(1_700_000_000_005, a[4].TimestampMs);
        Assert.True(a.Zip(a.Skip(1)).All(p => p.First.Ordering < p.Second.Ordering));
        Assert.All(a, e => Assert.Equal(e.ComputeChecksum(), e.Checksum));
    }

    [Fact]
    public async Task A_write_that_leaves_a_sequence_gap_is_rejected()
    {
        await Journal.WriteAsync(Write("gap", 1, 2));
        SequenceGapException ex = await Assert.ThrowsAsync<SequenceGapException>(() => Journal.WriteAsync(Write("gap", 4, 1)));
        Assert.Equal("gap", ex.PersistenceId);
        Assert.Equal(4, ex.SequenceNr);
        Assert.Equal(2, ex.HighestStored);
        await Assert.ThrowsAsync<SequenceGapException>(() => Journal.WriteAsync(Write("fresh", 2, 1)));
        Assert.Equal([1L, 2], await SeqsAsync("gap"));
    }

    [Fact]
    public async Task Concurrent_writers_to_one_persistence_id_are_rejected_with_a_sequence_conflict()
    {
        IReadOnlyList<Exception?> results = await Journal.WriteBatchAsync([Write("dup", 1, 2), Write("dup", 1, 2), Write("other", 1, 1)]);
        Assert.Null(results[0]);
        Assert.IsType<SequenceConflictException>(results[1]);
        Assert.Null(results[2]);
        await Assert.ThrowsAsync<SequenceConflictException>(() => Journal.WriteAsync(Write("dup", 2, 1)));
        Assert.Equal([1L, 2], await SeqsAsync("dup"));
        Assert.Equal([1L], await SeqsAsync("other"));
    }

    [Fact]
    public async Task Many_concurrent_writers_are_group_committed_and_all_stored()
    {
        var tasks = new List<Task>();
        for (int pid = 0; pid < 50; pid++)
        {
            tasks.Add(WriteSequentiallyAsync($"many-{pid}", 10));
        }

        await Task.WhenAll(tasks).WaitAsync(Guard);
        for (int pid = 0; pid < 50; pid++)
        {
            Assert.Equal(10, await Journal.ReadHighestSequenceNrAsync($"many-{pid}"));
        }

        Assert.True(Journal.CommitCount < 500, $"expected coalesced commits, got {Journal.CommitCount} for 500 writes");
    }

    [Fact]
    public async Task Replay_honours_from_to_and_max()
    {
        await Journal.WriteAsync(Write("r", 1, 10));
        Assert.Equal([3L, 4, 5, 6], await SeqsAsync("r", 3, 6));
        Assert.Equal([3L, 4], await SeqsAsync("r", 3, 6, 2));
        Assert.Equal([8L, 9, 10], await SeqsAsync("r", 8));
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], await SeqsAsync("r", 0, long.MaxValue, 7));
        Assert.Empty(await SeqsAsync("r", 11));
        Assert.Empty(await SeqsAsync("r", 1, long.MaxValue, 0));
        Assert.Empty(await SeqsAsync("nobody"));
    }

    [Fact]
    public async Task Highest_sequence_number_is_zero_for_unknown_ids_and_survives_deletes()
    {
        Assert.Equal(0, await Journal.ReadHighestSequenceNrAsync("h"));
        await Journal.WriteAsync(Write("h", 1, 4));
        Assert.Equal(4, await Journal.ReadHighestSequenceNrAsync("h"));
        await Journal.DeleteToAsync("h", 4);
        Assert.Equal(4, await Journal.ReadHighestSequenceNrAsync("h"));
        await Journal.WriteAsync(Write("h", 5, 1));
        Assert.Equal([5L], await SeqsAsync("h"));
    }

    [Fact]
    public async Task DeleteTo_removes_events_from_replay_and_queries()
    {
        await Journal.WriteAsync(Write("d", 1, 6));
        await Journal.DeleteToAsync("d", 4);
        Assert.Equal([5L, 6], await SeqsAsync("d"));
        List<PersistentRepr> all = await ToListAsync(Journal.CurrentAllEventsAsync(0));
        Assert.Equal([5L, 6], all.Select(e => e.SequenceNr));
        List<PersistentRepr> raw = await ToListAsync(Journal.ScanRowsAsync(0));
        Assert.Equal(6, raw.Count);
        Assert.Equal(4, raw.Count(r => r.Deleted));
    }

    [Fact]
    public async Task Large_payloads_round_trip()
    {
        byte[] big = new byte[(1024 * 1024) + 4321];
        new Random(7).NextBytes(big);
        await Journal.WriteAsync(new AtomicWrite(new PersistentRepr("big", 1, "tck.big", 3, big, 5, 0)));
        PersistentRepr back = Assert.Single(await ToListAsync(Journal.ReplayAsync("big", 1, 1, 1)));
        Assert.Equal(big, back.Payload);
        Assert.Equal(3, back.SchemaVersion);
    }

    [Fact]
    public async Task Writes_with_an_older_writer_epoch_are_fenced()
    {
        await Journal.WriteAsync(Write("e", 1, 2, epoch: 0));
        await Journal.WriteAsync(Write("e", 3, 1, epoch: 2));
        JournalFencedException ex = await Assert.ThrowsAsync<JournalFencedException>(() => Journal.WriteAsync(Write("e", 4, 1, epoch: 1)));
        Assert.Equal(("e", 4L, "e", 1L, 2L), (ex.PersistenceId, ex.SequenceNr, ex.FenceKey, ex.WriterEpoch, ex.CurrentEpoch));
        Assert.Contains("'e'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("epoch 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("current epoch 2", ex.Message, StringComparison.Ordinal);
        await Journal.WriteAsync(Write("e", 4, 1, epoch: 2));
        await Journal.WriteAsync(Write("e", 5, 1, epoch: 3));
        Assert.Equal([1L, 2, 3, 4, 5], await SeqsAsync("e"));
        List<PersistentRepr> rows = await ToListAsync(Journal.ReplayAsync("e", 1, long.MaxValue, long.MaxValue));
        Assert.Equal([0L, 0, 2, 2, 3], rows.Select(r => r.WriterEpoch));
        Assert.Equal(3, await Journal.ReadFenceEpochAsync("e"));
    }

    [Fact]
    public async Task A_fence_rejects_older_writers_before_the_new_owner_writes()
    {
        await Journal.WriteAsync(Write("f", 1, 1, epoch: 1));
        await Journal.FenceAsync("f", 2);
        JournalFencedException ex = await Assert.ThrowsAsync<JournalFencedException>(() => Journal.WriteAsync(Write("f", 2, 1, epoch: 1)));
        Assert.Equal((1L, 2L), (ex.WriterEpoch, ex.CurrentEpoch));
        await Journal.FenceAsync("f", 2);
        JournalFencedException stale = await Assert.ThrowsAsync<JournalFencedException>(() => Journal.FenceAsync("f", 1));
        Assert.Equal((1L, 2L), (stale.WriterEpoch, stale.CurrentEpoch));
        await Journal.WriteAsync(Write("f", 2, 1, epoch: 2));
        Assert.Equal([1L, 2], await SeqsAsync("f"));
        Assert.Equal(0, await Journal.ReadFenceEpochAsync("never-fenced"));
    }

    [Fact]
    public async Task A_shard_fence_key_fences_every_id_written_under_it()
    {
        await Journal.WriteAsync(FencedWrite("s-a", 1, "shard-7", 3));
        await Journal.FenceAsync("shard-7", 4);
        IReadOnlyList<Exception?> results = await Journal.WriteBatchAsync(
            [FencedWrite("s-a", 2, "shard-7", 3), FencedWrite("s-b", 1, "shard-7", 3), FencedWrite("s-c", 1, "shard-8", 3), FencedWrite("s-b", 1, "shard-7", 4)]);
        JournalFencedException a = Assert.IsType<JournalFencedException>(results[0]);
        Assert.Equal(("s-a", "shard-7", 3L, 4L), (a.PersistenceId, a.FenceKey, a.WriterEpoch, a.CurrentEpoch));
        Assert.Contains("fence key 'shard-7'", a.Message, StringComparison.Ordinal);
        Assert.IsType<JournalFencedException>(results[1]);
        Assert.Null(results[2]);
        Assert.Null(results[3]);
        Assert.Equal([1L], await SeqsAsync("s-a"));
        Assert.Equal([1L], await SeqsAsync("s-b"));
        Assert.Equal(4, await Journal.ReadFenceEpochAsync("shard-7"));
        Assert.Equal(3, await Journal.ReadFenceEpochAsync("shard-8"));
        Assert.Equal(0, await Journal.ReadFenceEpochAsync("s-a"));
    }

    [Fact]
    public async Task A_rejected_or_failed_write_does_not_raise_the_fence()
    {
        await Journal.WriteAsync(Write("g", 1, 1, epoch: 1));
        await Assert.ThrowsAsync<SequenceGapException>(() => Journal.WriteAsync(Write("g", 5, 1, epoch: 9)));
        Journal.FaultInjection = _ => throw new IOException("simulated crash");
        await Assert.ThrowsAsync<IOException>(() => Journal.WriteAsync(Write("g", 2, 1, epoch: 8)));
        Journal.FaultInjection = null;
        Assert.Equal(1, await Journal.ReadFenceEpochAsync("g"));
        await Journal.WriteAsync(Write("g", 2, 1, epoch: 1));
        Assert.Equal([1L, 2], await SeqsAsync("g"));
    }

    [Fact]
    public async Task A_corrupted_row_is_reported_with_its_persistence_id_and_sequence_number()
    {
        await Journal.WriteAsync(Write("c", 1, 3));
        await TamperAsync("c", 2, Encoding.UTF8.GetBytes("evil"));
        JournalCorruptionException ex = await Assert.ThrowsAsync<JournalCorruptionException>(
            () => ToListAsync(Journal.ReplayAsync("c", 1, long.MaxValue, long.MaxValue)));
        Assert.Equal("c", ex.PersistenceId);
        Assert.Equal(2, ex.SequenceNr);
        Assert.Contains("'c' #2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_that_dies_mid_write_leaves_nothing_visible()
    {
        await Journal.WriteAsync(Write("atom", 1, 1));
        Journal.FaultInjection = row =>
        {
            if (row == 2)
            {
                throw new IOException("simulated crash before row 2");
            }
        };
        await Assert.ThrowsAsync<IOException>(() => Journal.WriteAsync(Write("atom", 2, 5)));
        Journal.FaultInjection = null;
        Assert.Equal([1L], await SeqsAsync("atom"));
        Assert.Equal(1, await Journal.ReadHighestSequenceNrAsync("atom"));
        await Journal.WriteAsync(Write("atom", 2, 5));
        Assert.Equal([1L, 2, 3, 4, 5, 6], await SeqsAsync("atom"));
    }

    [Fact]
    public async Task A_failed_transaction_is_retried_write_by_write_so_neighbours_survive()
    {
        int calls = 0;
        Journal.FaultInjection = row =>
        {
            if (Interlocked.Increment(ref calls) == 2)
            {
                throw new IOException("transient fault in the batch transaction");
            }
        };
        IReadOnlyList<Exception?> results = await Journal.WriteBatchAsync([Write("n1", 1, 1), Write("n2", 1, 1), Write("n3", 2, 1)]);
        Journal.FaultInjection = null;
        Assert.Null(results[0]);
        Assert.Null(results[1]);
        Assert.IsType<SequenceGapException>(results[2]);
        Assert.Equal([1L], await SeqsAsync("n1"));
        Assert.Equal([1L], await SeqsAsync("n2"));
    }

    [Fact]
    public async Task Queries_list_ids_and_all_events_by_offset()
    {
        await Journal.WriteAsync(Write("q-b", 1, 2));
        await Journal.WriteAsync(Write("q-a", 1, 3));
        await Journal.WriteAsync(Write("q-c", 1, 1));
        Assert.Equal(["q-a", "q-b", "q-c"], await ToListAsync(Journal.CurrentPersistenceIdsAsync()));
        List<PersistentRepr> all = await ToListAsync(Journal.CurrentAllEventsAsync(0));
        Assert.Equal(6, all.Count);
        Assert.Equal(["q-b", "q-b", "q-a", "q-a", "q-a", "q-c"], all.Select(e => e.PersistenceId));
        List<PersistentRepr> tail = await ToListAsync(Journal.CurrentAllEventsAsync(all[3].Ordering));
        Assert.Equal([3L, 1], tail.Select(e => e.SequenceNr));
        Assert.Equal(all[^1].Ordering, await Journal.ReadHighestOffsetAsync());
    }

    [Fact]
    public async Task Live_queries_deliver_events_committed_after_they_started()
    {
        await Journal.WriteAsync(Write("live", 1, 2));
        using var cts = new CancellationTokenSource(Guard);
        await using IAsyncEnumerator<PersistentRepr> byId = Journal.EventsByPersistenceIdAsync("live", 1, 4, cts.Token).GetAsyncEnumerator(cts.Token);
        await using IAsyncEnumerator<PersistentRepr> all = Journal.AllEventsAsync(0, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await byId.MoveNextAsync());
        Assert.Equal(1, byId.Current.SequenceNr);
        Assert.True(await byId.MoveNextAsync());
        Assert.True(await all.MoveNextAsync());
        Assert.True(await all.MoveNextAsync());
        ValueTask<bool> nextById = byId.MoveNextAsync();
        ValueTask<bool> nextAll = all.MoveNextAsync();
        await Journal.WriteAsync(Write("live", 3, 2));
        Assert.True(await nextById);
        Assert.Equal(3, byId.Current.SequenceNr);
        Assert.True(await nextAll);
        Assert.Equal(("live", 3L), (all.Current.PersistenceId, all.Current.SequenceNr));
        Assert.True(await byId.MoveNextAsync());
        Assert.Equal(4, byId.Current.SequenceNr);
        Assert.False(await byId.MoveNextAsync());
    }

    private async Task WriteSequentiallyAsync(string pid, int count)
    {
        for (int seq = 1; seq <= count; seq++)
        {
            await Journal.WriteAsync(Write(pid, seq, 1));
        }
    }
}
