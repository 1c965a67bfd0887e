using ActorRec.Benchmarks.Journal;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.InMemory;
using ActorRec.Persistence.Tests.Actors;

namespace ActorRec.Persistence.Tests.Benchmarks;

/// <summary>The journal benchmark fails fast, naming the actor and the cause, when a persistent actor fails.</summary>
public sealed class JournalBenchFailureTests
{
    // Failure guard only: a hang (the bug) shows as a TimeoutException instead of a stuck test run.
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_failed_write_fails_the_bench_with_the_actor_and_the_cause()
    {
        var options = new JournalBenchOptions
        {
            Store = "sqlite",
            Scale = 0.01,
            RecoveryActors = 1,
            OpenRuntime = (settings, registry) => new PersistenceRuntime(
                new ControlledJournal(new InMemoryJournal(settings)) { FailAtSequenceNr = 3 }, new InMemorySnapshotStore(), registry, settings),
        };

        JournalBenchFailedException error = await Assert.ThrowsAsync<JournalBenchFailedException>(
            () => JournalBenchmarks.RunAsync(options).WaitAsync(Guard));

        Assert.Equal("persist", error.Phase);
        Assert.Equal(3, error.SequenceNr);
        Assert.EndsWith("-1-0", error.PersistenceId, StringComparison.Ordinal);
        Assert.Contains("disk full", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.PersistenceId, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_recovery_fails_the_bench_with_the_actor_and_the_cause()
    {
        var options = new JournalBenchOptions
        {
            Store = "sqlite",
            Scale = 0.01,
            RecoveryActors = 1,
            OpenRuntime = (settings, registry) => new PersistenceRuntime(
                new ControlledJournal(new InMemoryJournal(settings)) { ReplayError = new IOException("replay refused: disk unreadable") }, new InMemorySnapshotStore(), registry, settings),
        };

        JournalBenchFailedException error = await Assert.ThrowsAsync<JournalBenchFailedException>(
            () => JournalBenchmarks.RunAsync(options).WaitAsync(Guard));

        Assert.Equal("recovery", error.Phase);
        Assert.Contains("replay refused", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(error.PersistenceId, error.Message, StringComparison.Ordinal);
    }
}
