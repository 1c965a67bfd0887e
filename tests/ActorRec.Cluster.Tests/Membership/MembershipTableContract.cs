using ActorRec.Cluster.Membership;

namespace ActorRec.Cluster.Tests.Membership;

/// <summary>What every <see cref="IMembershipTable"/> must do; run against in-memory, SQLite and PostgreSQL.</summary>
public abstract class MembershipTableContract
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A fresh, initialized table for a cluster name no other test uses.</summary>
    protected abstract Task<IMembershipTable> CreateAsync(string clusterName);

    protected static string UniqueCluster() => "c" + Guid.NewGuid().ToString("N")[..12];

    private static MemberRow Row(string node, long incarnation = 1, MemberStatus status = MemberStatus.Joining) =>
        new(node, incarnation, node + ":7355", status, T0, [], ["ranking"], T0);

    [Fact]
    public async Task Starts_empty_at_version_zero_and_initialize_is_idempotent()
    {
        var table = await CreateAsync(UniqueCluster());
        await table.InitializeAsync();
        var snapshot = await table.ReadAllAsync();
        Assert.Equal(0, snapshot.Version);
        Assert.Empty(snapshot.Members);
    }

    [Fact]
    public async Task Insert_round_trips_every_field_and_bumps_the_version()
    {
        var table = await CreateAsync(UniqueCluster());
        var row = Row("a") with { Suspicions = [new Suspicion("b#1", T0.AddSeconds(1))], Roles = ["x", "y"], Proof = "proof-a" };
        Assert.Equal(WriteOutcome.Applied, await table.TryInsertAsync(row, 0));
        var snapshot = await table.ReadAllAsync();
        Assert.Equal(1, snapshot.Version);
        var read = Assert.Single(snapshot.Members);
        Assert.Equal((row.NodeName, row.Incarnation, row.Address, row.Status, row.LastHeartbeat, row.StartedAt),
            (read.NodeName, read.Incarnation, read.Address, read.Status, read.LastHeartbeat, read.StartedAt));
        Assert.Equal(row.Suspicions.ToArray(), read.Suspicions.ToArray());
        Assert.Equal(["x", "y"], read.Roles.ToArray());
        Assert.NotEqual(0, read.ETag);
        Assert.Equal("proof-a", read.Proof);

        // Updates leave the identity columns alone.
        Assert.Equal(WriteOutcome.Applied, await table.TryUpdateAsync(read with { Status = MemberStatus.Up, Proof = "forged", Address = "elsewhere:1" }, 1));
        var updated = (await table.ReadAllAsync()).Members[0];
        Assert.Equal((MemberStatus.Up, "proof-a", row.Address), (updated.Status, updated.Proof, updated.Address));
    }

    [Fact]
    public async Task Writes_with_a_stale_version_or_an_existing_key_conflict()
    {
        var table = await CreateAsync(UniqueCluster());
        Assert.Equal(WriteOutcome.Applied, await table.TryInsertAsync(Row("a"), 0));
        Assert.Equal(WriteOutcome.Conflict, await table.TryInsertAsync(Row("b"), 0));
        Assert.Equal(WriteOutcome.Conflict, await table.TryInsertAsync(Row("a"), 1));
        Assert.Equal(WriteOutcome.Applied, await table.TryInsertAsync(Row("a", incarnation: 2), 1));
        var snapshot = await table.ReadAllAsync();
        Assert.Equal(2, snapshot.Version);
        Assert.Equal(2, snapshot.Members.Length);
    }

    [Fact]
    public async Task Updates_need_the_current_version_and_etag()
    {
        var table = await CreateAsync(UniqueCluster());
        await table.TryInsertAsync(Row("a"), 0);
        await table.TryInsertAsync(Row("b"), 1);
        var read = await table.ReadAllAsync();
        var a = read.Find("a", 1)!;

        Assert.Equal(WriteOutcome.Conflict, await table.TryUpdateAsync(a with { Status = MemberStatus.Up }, read.Version - 1));
        Assert.Equal(WriteOutcome.Applied, await table.TryUpdateAsync(a with { Status = MemberStatus.Up }, read.Version));
        // Same ETag again, even with the new version: the row changed since it was read.
        Assert.Equal(WriteOutcome.Conflict, await table.TryUpdateAsync(a with { Status = MemberStatus.Down }, read.Version + 1));
        Assert.Equal(WriteOutcome.Conflict, await table.TryUpdateAsync(Row("ghost"), read.Version + 1));

        var after = await table.ReadAllAsync();
        Assert.Equal(read.Version + 1, after.Version);
        Assert.Equal(MemberStatus.Up, after.Find("a", 1)!.Status);
        Assert.NotEqual(a.ETag, after.Find("a", 1)!.ETag);
    }

    [Fact]
    public async Task Heartbeats_change_neither_version_nor_etag()
    {
        var table = await CreateAsync(UniqueCluster());
        await table.TryInsertAsync(Row("a"), 0);
        var before = await table.ReadAllAsync();
        Assert.True(await table.UpdateHeartbeatAsync("a", 1, T0.AddSeconds(30)));
        Assert.False(await table.UpdateHeartbeatAsync("a", 2, T0.AddSeconds(30)));
        var after = await table.ReadAllAsync();
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(before.Members[0].ETag, after.Members[0].ETag);
        Assert.Equal(T0.AddSeconds(30), after.Members[0].LastHeartbeat);
        // A status update keeps the heartbeat the table has.
        await table.TryUpdateAsync(after.Members[0] with { Status = MemberStatus.Up, LastHeartbeat = T0 }, after.Version);
        Assert.Equal(T0.AddSeconds(30), (await table.ReadAllAsync()).Members[0].LastHeartbeat);
    }

    [Fact]
    public async Task Racing_writers_each_win_exactly_once_after_retrying()
    {
        var table = await CreateAsync(UniqueCluster());
        await table.TryInsertAsync(Row("target"), 0);
        const int writers = 8;
        var conflicts = 0;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            while (true)
            {
                var snapshot = await table.ReadAllAsync();
                var target = snapshot.Find("target", 1)!;
                var updated = target with { Suspicions = target.Suspicions.Add(new Suspicion("w" + w, T0)) };
                if (await table.TryUpdateAsync(updated, snapshot.Version) == WriteOutcome.Applied)
                {
                    return;
                }

                Interlocked.Increment(ref conflicts);
            }
        })));

        var final = await table.ReadAllAsync();
        Assert.Equal(1 + writers, final.Version);
        Assert.Equal(Enumerable.Range(0, writers).Select(w => "w" + w).Order(), final.Find("target", 1)!.Suspicions.Select(s => s.By).Order());
    }

    [Fact]
    public async Task Clusters_are_isolated()
    {
        var name = UniqueCluster();
        var first = await CreateAsync(name);
        var second = await CreateAsync(UniqueCluster());
        await first.TryInsertAsync(Row("a"), 0);
        Assert.Empty((await second.ReadAllAsync()).Members);
        Assert.Equal(0, (await second.ReadAllAsync()).Version);
    }

    [Fact]
    public async Task Dead_rows_older_than_the_cutoff_are_deleted()
    {
        var table = await CreateAsync(UniqueCluster());
        await table.TryInsertAsync(Row("old", status: MemberStatus.Down), 0);
        await table.TryInsertAsync(Row("gone", status: MemberStatus.Removed), 1);
        await table.TryInsertAsync(Row("live", status: MemberStatus.Up), 2);
        await table.UpdateHeartbeatAsync("gone", 1, T0.AddMinutes(10));
        Assert.Null(await table.DeleteDeadAsync(T0.AddMinutes(5), 2));
        Assert.Equal(1, await table.DeleteDeadAsync(T0.AddMinutes(5), 3));
        var after = await table.ReadAllAsync();
        Assert.Equal(["gone", "live"], after.Members.Select(m => m.NodeName).Order());
        Assert.Equal(4, after.Version);
    }
}

public sealed class InMemoryMembershipTableTests : MembershipTableContract
{
    protected override Task<IMembershipTable> CreateAsync(string clusterName) => Task.FromResult<IMembershipTable>(new InMemoryMembershipTable(clusterName));
}
