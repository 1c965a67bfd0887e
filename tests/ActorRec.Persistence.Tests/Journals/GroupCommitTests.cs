using ActorRec.Actors.TestKit;
using ActorRec.Persistence.InMemory;
using ActorRec.Persistence.Journal;

namespace ActorRec.Persistence.Tests.Journals;

public sealed class GroupCommitTests
{
    private static AtomicWrite W(string pid, long seq, int size = 1)
    {
        var events = new PersistentRepr[size];
        for (int i = 0; i < size; i++)
        {
            events[i] = new PersistentRepr(pid, seq + i, "m", 1, [1, 2, 3], 0);
        }

        return new AtomicWrite(events);
    }

    [Fact]
    public async Task The_window_holds_the_first_write_until_it_closes_and_commits_everything_queued_in_one_transaction()
    {
        var time = new VirtualTimeProvider();
        await using var journal = new InMemoryJournal(PersistenceSettings.Default with { BatchWindow = TimeSpan.FromMilliseconds(10) }, time);
        Task first = journal.WriteAsync(W("a", 1));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (time.ActiveTimers == 0)
        {
            await Task.Yield();
            cts.Token.ThrowIfCancellationRequested();
        }

        Task second = journal.WriteAsync(W("b", 1));
        Task third = journal.WriteAsync(W("a", 2));
        Assert.False(first.IsCompleted);
        Assert.Equal(0, journal.CommitCount);
        time.Advance(TimeSpan.FromMilliseconds(10));
        await Task.WhenAll(first, second, third).WaitAsync(cts.Token);
        Assert.Equal(1, journal.CommitCount);
        Assert.Equal(2, await journal.ReadHighestSequenceNrAsync("a"));
    }

    [Fact]
    public async Task Batches_are_cut_by_max_rows_without_splitting_an_atomic_write()
    {
        await using var journal = new InMemoryJournal(PersistenceSettings.Default with { MaxBatchRows = 4 });
        var writes = new List<AtomicWrite>();
        for (int i = 0; i < 10; i++)
        {
            writes.Add(W($"p{i}", 1, 3));
        }

        IReadOnlyList<Exception?> results = await journal.WriteBatchAsync(writes);
        Assert.All(results, Assert.Null);
        Assert.True(journal.CommitCount >= 5, $"10 writes of 3 rows with max 4 rows need >= 5 commits, saw {journal.CommitCount}");
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(3, await journal.ReadHighestSequenceNrAsync($"p{i}"));
        }
    }

    [Fact]
    public async Task Writes_after_dispose_are_refused_and_queued_ones_complete()
    {
        var journal = new InMemoryJournal();
        Task queued = journal.WriteAsync(W("x", 1));
        await journal.DisposeAsync();
        await queued;
        await Assert.ThrowsAsync<ObjectDisposedException>(() => journal.WriteAsync(W("x", 2)));
    }

    [Fact]
    public void Atomic_writes_reject_mixed_ids_and_non_contiguous_sequences()
    {
        Assert.Throws<ArgumentException>(() => new AtomicWrite([new PersistentRepr("a", 1, "m", 1, [], 0), new PersistentRepr("b", 2, "m", 1, [], 0)]));
        Assert.Throws<ArgumentException>(() => new AtomicWrite([new PersistentRepr("a", 1, "m", 1, [], 0), new PersistentRepr("a", 3, "m", 1, [], 0)]));
        Assert.Throws<ArgumentException>(() => new AtomicWrite(new PersistentRepr("a", 0, "m", 1, [], 0)));
        Assert.Throws<ArgumentException>(() => new AtomicWrite([]));
    }
}
