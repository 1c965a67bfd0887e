using System.Text;
using ActorRec.Actors;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.InMemory;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Snapshots;

namespace ActorRec.Persistence.Tests.Actors;

public sealed class PersistentActorTests : IAsyncLifetime
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);
    private readonly ActorSystem _system = ActorSystem.Create("persistence-tests");
    private readonly InMemoryJournal _journal = new();
    private readonly InMemorySnapshotStore _snapshots = new();
    private readonly HandlerLog _log = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _system.Terminate();
        await _journal.DisposeAsync();
    }

    private PersistenceRuntime Runtime(IJournal? journal = null, PersistenceSettings? settings = null) =>
        new(journal ?? _journal, _snapshots, CounterActor.NewRegistry(), settings ?? PersistenceSettings.Default with { SnapshotEvery = 0 });

    private async Task StopAsync(IActorRef actor)
    {
        var probe = new Probe(_system);
        probe.Watch(actor);
        _system.Stop(actor);
        await probe.ExpectAsync<Terminated>(t => t.ActorRef.Equals(actor));
    }

    [Fact]
    public async Task Persisted_events_are_recovered_by_the_next_incarnation()
    {
        PersistenceRuntime runtime = Runtime();
        IActorRef counter = _system.ActorOf(CounterActor.Props(runtime, "counter-1", _log));
        Assert.Equal(new Ack(5, 1), await counter.Ask<Ack>(new Add(5), AskTimeout));
        Assert.Equal(new Ack(7, 2), await counter.Ask<Ack>(new Add(2), AskTimeout));
        Assert.Equal(new Ack(10, 4), await counter.Ask<Ack>(new AddMany([1, 2]), AskTimeout));
        await StopAsync(counter);
        Assert.False(runtime.Incarnations.IsLive("counter-1"));

        IActorRef again = _system.ActorOf(CounterActor.Props(runtime, "counter-1", _log));
        StateReply state = await again.Ask<StateReply>(GetState.Instance, AskTimeout);
        Assert.Equal(new StateReply(10, 4, 4, 4, false), state);
        Assert.Equal(new Ack(11, 5), await again.Ask<Ack>(new Add(1), AskTimeout));
    }

    [Fact]
    public async Task Handlers_run_only_after_the_write_is_durable_and_commands_wait_meanwhile()
    {
        var gated = new ControlledJournal(_journal);
        gated.Close();
        IActorRef counter = _system.ActorOf(CounterActor.Props(Runtime(gated), "gated", _log));
        Task<Ack> first = counter.Ask<Ack>(new Add(1), AskTimeout);
        await gated.WriteArrived.WaitAsync(AskTimeout);
        Task<StateReply> query = counter.Ask<StateReply>(GetState.Instance, AskTimeout);
        Task<Ack> second = counter.Ask<Ack>(new Add(2), AskTimeout);

        Assert.Equal(0, _log.Runs);
        Assert.False(first.IsCompleted);
        Assert.False(query.IsCompleted);
        Assert.Equal(0, await _journal.ReadHighestSequenceNrAsync("gated"));

        gated.Open();
        Assert.Equal(new Ack(1, 1), await first);
        StateReply state = await query;
        Assert.Equal((1, 1L), (state.Total, state.LastSequenceNr));
        Assert.Equal(new Ack(3, 2), await second);
        Assert.Equal(2, _log.Runs);
    }

    [Fact]
    public async Task A_read_only_query_is_answered_from_the_durable_state_while_a_write_is_in_flight()
    {
        var gated = new ControlledJournal(_journal);
        IActorRef counter = _system.ActorOf(CounterActor.Props(Runtime(gated), "queried", _log));
        Assert.Equal(new Ack(4, 1), await counter.Ask<Ack>(new Add(4), AskTimeout));

        gated.Close();
        Task<Ack> held = counter.Ask<Ack>(new Add(1), AskTimeout);
        Task<StateReply> ordinary = counter.Ask<StateReply>(GetState.Instance, AskTimeout);

        // The query overtakes the stashed command and the held write; it sees only what is durable.
        StateReply peeked = await counter.Ask<StateReply>(new Peek(), AskTimeout);
        Assert.Equal((4, 1, 1L), (peeked.Total, peeked.Count, peeked.LastSequenceNr));
        Assert.False(held.IsCompleted);
        Assert.False(ordinary.IsCompleted);

        // A query may not persist: the attempt is refused and nothing is queued behind the held write.
        string refused = await counter.Ask<string>(new PeekAndAdd(100), AskTimeout);
        Assert.Contains("cannot persist while answering a read-only query", refused, StringComparison.Ordinal);
        Assert.Contains("queried", refused, StringComparison.Ordinal);

        gated.Open();
        Assert.Equal(new Ack(5, 2), await held);
        StateReply after = await ordinary;
        Assert.Equal((5, 2, 2L), (after.Total, after.Count, after.LastSequenceNr));
        StateReply peekedAfter = await counter.Ask<StateReply>(new Peek(), AskTimeout);
        Assert.Equal((5, 2L), (peekedAfter.Total, peekedAfter.LastSequenceNr));
        Assert.Equal(2, _log.Runs);
        Assert.Equal(2, await _journal.ReadHighestSequenceNrAsync("queried"));
    }

    [Fact]
    public async Task A_failed_write_stops_the_actor_without_applying_the_event()
    {
        var failing = new ControlledJournal(_journal) { FailAtSequenceNr = 3 };
        PersistenceRuntime runtime = Runtime(failing);
        var probe = new Probe(_system);
        _system.EventStream.Subscribe(probe.Ref, typeof(PersistenceFailure));
        IActorRef counter = _system.ActorOf(CounterActor.Props(runtime, "failing", _log));
        probe.Watch(counter);
        await counter.Ask<Ack>(new Add(1), AskTimeout);
        await counter.Ask<Ack>(new Add(2), AskTimeout);
        counter.Tell(new Add(100));

        PersistenceFailure failure = await probe.ExpectAsync<PersistenceFailure>();
        Assert.Equal(("failing", 3L, "persist"), (failure.PersistenceId, failure.SequenceNr, failure.Phase));
        Assert.IsType<IOException>(failure.Cause);
        await probe.ExpectAsync<Terminated>(t => t.ActorRef.Equals(counter));
        Assert.Equal(2, _log.Runs);
        Assert.False(runtime.Incarnations.IsLive("failing"));

        failing.FailAtSequenceNr = -1;
        IActorRef again = _system.ActorOf(CounterActor.Props(runtime, "failing", _log));
        StateReply state = await again.Ask<StateReply>(GetState.Instance, AskTimeout);
        Assert.Equal((3, 2L), (state.Total, state.LastSequenceNr));
    }

    [Fact]
    public async Task A_write_to_a_closed_journal_stops_the_actor()
    {
        // The journal reports outcomes to the actor by callback; a closed journal must report too, never leave the
        // actor waiting for a write that was never queued.
        var journal = new InMemoryJournal();
        PersistenceRuntime runtime = Runtime(journal);
        var probe = new Probe(_system);
        _system.EventStream.Subscribe(probe.Ref, typeof(PersistenceFailure));
        IActorRef counter = _system.ActorOf(CounterActor.Props(runtime, "closed", _log));
        probe.Watch(counter);
        Assert.Equal(new Ack(1, 1), await counter.Ask<Ack>(new Add(1), AskTimeout));
        await journal.DisposeAsync();
        counter.Tell(new Add(2));

        PersistenceFailure failure = await probe.ExpectAsync<PersistenceFailure>();
        Assert.Equal(("closed", 2L, "persist"), (failure.PersistenceId, failure.SequenceNr, failure.Phase));
        Assert.IsType<ObjectDisposedException>(failure.Cause);
        await probe.ExpectAsync<Terminated>(t => t.ActorRef.Equals(counter));
        Assert.Equal(1, _log.Runs);
    }

    [Fact]
    public async Task A_fenced_write_stops_the_actor_and_names_pid_and_epochs()
    {
        PersistenceRuntime runtime = Runtime();
        var probe = new Probe(_system);
        _system.EventStream.Subscribe(probe.Ref, typeof(PersistenceFailure));
        IActorRef stale = _system.ActorOf(CounterActor.Props(runtime, "fenced", _log, writerEpoch: 1, fenceKey: "shard-1"));
        probe.Watch(stale);
        Assert.Equal(new Ack(1, 1), await stale.Ask<Ack>(new Add(1), AskTimeout));
        await _journal.FenceAsync("shard-1", 2);
        stale.Tell(new Add(100));

        PersistenceFailure failure = await probe.ExpectAsync<PersistenceFailure>();
        JournalFencedException fenced = Assert.IsType<JournalFencedException>(failure.Cause);
        Assert.Equal(("fenced", 2L, "shard-1", 1L, 2L), (fenced.PersistenceId, fenced.SequenceNr, fenced.FenceKey, fenced.WriterEpoch, fenced.CurrentEpoch));
        await probe.ExpectAsync<Terminated>(t => t.ActorRef.Equals(stale));
        Assert.Equal(1, _log.Runs);

        IActorRef owner = _system.ActorOf(CounterActor.Props(runtime, "fenced", _log, writerEpoch: 2, fenceKey: "shard-1"));
        Assert.Equal(new Ack(3, 2), await owner.Ask<Ack>(new Add(2), AskTimeout));
    }

    [Fact]
    public async Task A_failed_recovery_names_the_persistence_id_and_sequence_number()
    {
        await _journal.WriteAsync(new AtomicWrite([
            new PersistentRepr("broken", 1, "test.added", 1, BitConverter.GetBytes(4), 1),
            new PersistentRepr("broken", 2, "test.added", 1, BitConverter.GetBytes(5), 1),
            new PersistentRepr("broken", 3, "test.renamed-long-ago", 1, Encoding.UTF8.GetBytes("?"), 1),
        ]));
        var probe = new Probe(_system);
        _system.EventStream.Subscribe(probe.Ref, typeof(PersistenceFailure));
        IActorRef counter = _system.ActorOf(CounterActor.Props(Runtime(), "broken", _log));
        probe.Watch(counter);

        PersistenceFailure failure = await probe.ExpectAsync<PersistenceFailure>();
        RecoveryFailedException error = Assert.IsType<RecoveryFailedException>(failure.Cause);
        Assert.Equal(("broken", 3L, "recovery"), (failure.PersistenceId, failure.SequenceNr, failure.Phase));
        Assert.Equal(3, error.SequenceNr);
        Assert.Contains("'broken'", error.Message, StringComparison.Ordinal);
        Assert.Contains("test.renamed-long-ago", error.Message, StringComparison.Ordinal);
        await probe.ExpectAsync<Terminated>(t => t.ActorRef.Equals(counter));
    }

    [Fact]
    public async Task A_second_live_incarnation_of_a_persistence_id_fails_to_start()
    {
        PersistenceRuntime runtime = Runtime();
        IActorRef first = _system.ActorOf(CounterActor.Props(runtime, "single", _log));
        await first.Ask<Ack>(new Add(1), AskTimeout);
        var probe = new Probe(_system);
        IActorRef second = _system.ActorOf(CounterActor.Props(runtime, "single", _log));
        probe.Watch(second);
        await probe.ExpectAsync<Terminated>(t => t.ActorRef.Equals(second));
        Assert.True(runtime.Incarnations.IsLive("single"));
        Assert.Equal(new Ack(3, 2), await first.Ask<Ack>(new Add(2), AskTimeout));

        PersistenceIdInUseException ex = Assert.Throws<PersistenceIdInUseException>(() => runtime.Incarnations.Acquire("single", new object()));
        Assert.Contains("'single'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshots_by_policy_shorten_recovery_and_can_delete_covered_events()
    {
        PersistenceRuntime runtime = Runtime(settings: PersistenceSettings.Default with { SnapshotEvery = 3, DeleteEventsOnSnapshot = true });
        var probe = new Probe(_system);
        _system.EventStream.Subscribe(probe.Ref, typeof(SnapshotSaved));
        IActorRef counter = _system.ActorOf(CounterActor.Props(runtime, "snappy", _log));
        for (int i = 1; i <= 7; i++)
        {
            await counter.Ask<Ack>(new Add(i), AskTimeout);
        }

        await probe.ExpectAsync<SnapshotSaved>(s => s.SequenceNr == 6);
        await StopAsync(counter);
        Assert.Equal(7, await _journal.ReadHighestSequenceNrAsync("snappy"));
        var replayed = new List<long>();
        await foreach (PersistentRepr e in _journal.ReplayAsync("snappy", 1, long.MaxValue, long.MaxValue))
        {
            replayed.Add(e.SequenceNr);
        }

        Assert.Equal([7L], replayed);

        IActorRef again = _system.ActorOf(CounterActor.Props(runtime, "snappy", _log));
        StateReply state = await again.Ask<StateReply>(GetState.Instance, AskTimeout);
        Assert.Equal(new StateReply(28, 7, 7, 1, true), state);
    }

    [Fact]
    public async Task Passivation_and_requests_save_snapshots()
    {
        PersistenceRuntime runtime = Runtime(settings: PersistenceSettings.Default with { SnapshotEvery = 0, SnapshotOnPassivation = true });
        var probe = new Probe(_system);
        _system.EventStream.Subscribe(probe.Ref, typeof(SnapshotSaved));
        IActorRef counter = _system.ActorOf(CounterActor.Props(runtime, "passive", _log));
        probe.Watch(counter);
        await counter.Ask<Ack>(new Add(4), AskTimeout);
        counter.Tell(TakeSnapshot.Instance);
        await probe.ExpectAsync<SnapshotSaved>(s => s.SequenceNr == 1);
        await counter.Ask<Ack>(new Add(6), AskTimeout);
        counter.Tell(PassivateEntity.Instance);
        await probe.ExpectAsync<SnapshotSaved>(s => s.SequenceNr == 2);
        await probe.ExpectAsync<Terminated>(t => t.ActorRef.Equals(counter));

        SnapshotRecord? latest = await _snapshots.LoadLatestAsync("passive", SnapshotSelectionCriteria.Latest);
        Assert.Equal(2, latest!.SequenceNr);
        IActorRef again = _system.ActorOf(CounterActor.Props(runtime, "passive", _log));
        Assert.Equal(new StateReply(10, 2, 2, 0, true), await again.Ask<StateReply>(GetState.Instance, AskTimeout));
    }
}
