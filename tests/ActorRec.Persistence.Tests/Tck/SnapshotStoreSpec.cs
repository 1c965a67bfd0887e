using ActorRec.Persistence.Snapshots;

namespace ActorRec.Persistence.Tests.Tck;

/// <summary>The snapshot store contract every plug-in must pass.</summary>
public abstract class SnapshotStoreSpec : IAsyncLifetime
{
    private ISnapshotStore? _store;

    protected ISnapshotStore Store => _store ?? throw new InvalidOperationException("Store not created.");

    public virtual async Task InitializeAsync() => _store = await CreateStoreAsync();

    public virtual async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    protected abstract Task<ISnapshotStore> CreateStoreAsync();

    private static SnapshotRecord Snap(string pid, long seq, long ts = 0) =>
        new(pid, seq, ts == 0 ? 1000 + seq : ts, "tck.state", 2, [(byte)seq, 1, 2, 3]);

    [Fact]
    public async Task Load_latest_returns_the_newest_matching_snapshot()
    {
        Assert.Null(await Store.LoadLatestAsync("s", SnapshotSelectionCriteria.Latest));
        await Store.SaveAsync(Snap("s", 5));
        await Store.SaveAsync(Snap("s", 10));
        await Store.SaveAsync(Snap("s", 15));
        await Store.SaveAsync(Snap("other", 99));
        SnapshotRecord? latest = await Store.LoadLatestAsync("s", SnapshotSelectionCriteria.Latest);
        Assert.NotNull(latest);
        Assert.Equal(15, latest.SequenceNr);
        Assert.Equal([15, 1, 2, 3], latest.Payload);
        Assert.Equal(("tck.state", 2), (latest.Manifest, latest.SchemaVersion));
        Assert.Equal(10, (await Store.LoadLatestAsync("s", new SnapshotSelectionCriteria(MaxSequenceNr: 12)))!.SequenceNr);
        Assert.Equal(5, (await Store.LoadLatestAsync("s", new SnapshotSelectionCriteria(MaxTimestampMs: 1009)))!.SequenceNr);
        Assert.Null(await Store.LoadLatestAsync("s", SnapshotSelectionCriteria.None));
    }

    [Fact]
    public async Task Save_replaces_a_snapshot_at_the_same_sequence_number()
    {
        await Store.SaveAsync(Snap("r", 3));
        await Store.SaveAsync(new SnapshotRecord("r", 3, 5000, "tck.state", 3, [9, 9]));
        SnapshotRecord? back = await Store.LoadLatestAsync("r", SnapshotSelectionCriteria.Latest);
        Assert.Equal([9, 9], back!.Payload);
        Assert.Equal(3, back.SchemaVersion);
    }

    [Fact]
    public async Task Delete_removes_matching_snapshots_only()
    {
        await Store.SaveAsync(Snap("d", 1));
        await Store.SaveAsync(Snap("d", 2));
        await Store.SaveAsync(Snap("d", 3));
        await Store.DeleteAsync("d", new SnapshotSelectionCriteria(MaxSequenceNr: 2));
        Assert.Equal(3, (await Store.LoadLatestAsync("d", SnapshotSelectionCriteria.Latest))!.SequenceNr);
        Assert.Null(await Store.LoadLatestAsync("d", new SnapshotSelectionCriteria(MaxSequenceNr: 2)));
        await Store.DeleteAsync("d", SnapshotSelectionCriteria.Latest);
        Assert.Null(await Store.LoadLatestAsync("d", SnapshotSelectionCriteria.Latest));
    }

    [Fact]
    public async Task Large_snapshots_round_trip()
    {
        byte[] big = new byte[(2 * 1024 * 1024) + 17];
        new Random(3).NextBytes(big);
        await Store.SaveAsync(new SnapshotRecord("big", 1, 1, "tck.state", 1, big));
        Assert.Equal(big, (await Store.LoadLatestAsync("big", SnapshotSelectionCriteria.Latest))!.Payload);
    }
}
