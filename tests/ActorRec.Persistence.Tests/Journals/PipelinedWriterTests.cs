using ActorRec.Persistence.Journal;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorRec.Persistence.Tests.Journals;

/// <summary>The group-commit writer with two batches in flight (as the PostgreSQL journal runs it).</summary>
public sealed class PipelinedWriterTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static AtomicWrite W(string pid, long seq) => new(new PersistentRepr(pid, seq, "m", 1, [1], 0));

    [Fact]
    public async Task A_second_batch_commits_while_the_first_is_in_flight_but_never_with_the_same_persistence_id()
    {
        var batches = new List<string>();
        var started = new List<TaskCompletionSource>();
        var gates = new List<TaskCompletionSource>();
        for (int i = 0; i < 3; i++)
        {
            started.Add(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            gates.Add(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }

        int calls = 0;
        async Task<Exception?[]?> Commit(IReadOnlyList<AtomicWrite> batch, CancellationToken ct)
        {
            int n = Interlocked.Increment(ref calls) - 1;
            lock (batches)
            {
                batches.Add(string.Join(",", batch.Select(w => $"{w.PersistenceId}{w.LowestSequenceNr}")));
            }

            started[n].TrySetResult();
            await gates[n].Task;
            return null;
        }

        await using var writer = new GroupCommitWriter(Commit, () => { }, 100, 1 << 20, TimeSpan.Zero, 2, TimeProvider.System, NullLogger.Instance);
        Task a1 = writer.EnqueueAsync(W("a", 1), default);
        await started[0].Task.WaitAsync(Guard);
        Task a2 = writer.EnqueueAsync(W("a", 2), default);
        Task b1 = writer.EnqueueAsync(W("b", 1), default);
        await started[1].Task.WaitAsync(Guard);
        Task a3 = writer.EnqueueAsync(W("a", 3), default);
        Assert.Equal(["a1", "b1"], batches);

        gates[1].SetResult();
        await b1.WaitAsync(Guard);
        Assert.False(a2.IsCompleted);
        Assert.Equal(2, batches.Count);

        gates[0].SetResult();
        await a1.WaitAsync(Guard);
        await started[2].Task.WaitAsync(Guard);
        Assert.Equal(["a1", "b1", "a2,a3"], batches);
        gates[2].SetResult();
        await Task.WhenAll(a2, a3).WaitAsync(Guard);
    }

    [Fact]
    public async Task One_writer_waiting_for_each_ack_keeps_being_served()
    {
        // The loop waits for "a write arrived" or "a commit finished"; here the commit always wins, so the loop must
        // keep its one pending channel wait across iterations (a single-reader channel reuses its waiter).
        static async Task<Exception?[]?> Commit(IReadOnlyList<AtomicWrite> batch, CancellationToken ct)
        {
            await Task.Yield();
            return null;
        }

        await using var writer = new GroupCommitWriter(Commit, () => { }, 100, 1 << 20, TimeSpan.Zero, 2, TimeProvider.System, NullLogger.Instance);
        for (int seq = 1; seq <= 200; seq++)
        {
            await writer.EnqueueAsync(W(seq % 2 == 0 ? "a" : "b", seq), default).WaitAsync(Guard);
        }

        Assert.Equal(200, writer.Commits);
    }
}
