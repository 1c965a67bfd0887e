using ActorRec.Actors.TestKit;
using ActorRec.Cluster.Leases;
using ActorRec.Cluster.Storage;
using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.Leases;

/// <summary>What every <see cref="ILeaseStore"/> must do; run against in-memory, SQLite and PostgreSQL.</summary>
public abstract class LeaseStoreContract
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(10);

    protected VirtualTimeProvider Time { get; } = new();

    protected abstract Task<ILeaseStore> CreateAsync();

    private static string Name() => "lease-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task First_contender_gets_token_one_and_the_second_sees_the_holder()
    {
        var store = await CreateAsync();
        var name = Name();
        var a = await store.TryAcquireAsync(name, "a#1", Ttl);
        Assert.True(a.Acquired);
        Assert.Equal(1, a.Lease!.Token);
        Assert.Equal(Time.GetUtcNow() + Ttl, a.Lease.ExpiresAt);

        var b = await store.TryAcquireAsync(name, "b#1", Ttl);
        Assert.False(b.Acquired);
        Assert.Equal("a#1", b.CurrentHolder);
        Assert.Equal(a.Lease.ExpiresAt, b.HeldUntil);

        var again = await store.TryAcquireAsync(name, "a#1", Ttl);
        Assert.Equal(1, again.Lease!.Token); // same holder: extended, same token
    }

    [Fact]
    public async Task Expiry_lets_another_take_over_with_a_higher_token_and_fences_the_old_holder()
    {
        var store = await CreateAsync();
        var name = Name();
        var a = (await store.TryAcquireAsync(name, "a#1", Ttl)).Lease!;
        Time.Advance(TimeSpan.FromSeconds(5));
        Assert.False((await store.TryAcquireAsync(name, "b#1", Ttl)).Acquired);
        a = (await store.TryRenewAsync(a, Ttl))!;
        Assert.NotNull(a);

        Time.Advance(Ttl);
        var b = (await store.TryAcquireAsync(name, "b#1", Ttl)).Lease;
        Assert.NotNull(b);
        Assert.Equal(2, b.Token);

        Assert.Null(await store.TryRenewAsync(a, Ttl));
        Assert.False(await store.ReleaseAsync(a));
        Assert.Equal(("b#1", 2L), ((await store.ReadAsync(name))!.Holder, (await store.ReadAsync(name))!.Token));
    }

    [Fact]
    public async Task Release_frees_the_lease_and_the_next_holder_gets_a_new_token()
    {
        var store = await CreateAsync();
        var name = Name();
        var a = (await store.TryAcquireAsync(name, "a#1", Ttl)).Lease!;
        Assert.True(await store.ReleaseAsync(a));
        var state = await store.ReadAsync(name);
        Assert.Null(state!.Holder);
        Assert.Equal(1, state.Token);
        Assert.Equal(2, (await store.TryAcquireAsync(name, "b#1", Ttl)).Lease!.Token);
        Assert.Equal(3, await TakeAfterExpiry(store, name, "a#2"));
        Assert.Null(await store.ReadAsync("never-used-" + name));
    }

    [Fact]
    public async Task Racing_contenders_never_both_hold_the_lease()
    {
        var store = await CreateAsync();
        for (var round = 0; round < 5; round++)
        {
            var name = Name();
            var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => store.TryAcquireAsync(name, "n" + i, Ttl))));
            var winner = Assert.Single(attempts, a => a.Acquired);
            Assert.All(attempts.Where(a => !a.Acquired), a => Assert.Equal(winner.Lease!.Holder, a.CurrentHolder));
        }
    }

    [Fact]
    public async Task Tokens_increase_with_every_new_holder()
    {
        var store = await CreateAsync();
        var name = Name();
        var seen = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            seen.Add(await TakeAfterExpiry(store, name, "holder-" + i));
        }

        Assert.Equal([1, 2, 3, 4, 5, 6], seen);
    }

    [Fact]
    public async Task Arguments_are_checked()
    {
        var store = await CreateAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => store.TryAcquireAsync("", "a", Ttl));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.TryAcquireAsync("x", "a", TimeSpan.Zero));
    }

    private async Task<long> TakeAfterExpiry(ILeaseStore store, string name, string holder)
    {
        Time.Advance(Ttl + TimeSpan.FromSeconds(1));
        var attempt = await store.TryAcquireAsync(name, holder, Ttl);
        Assert.True(attempt.Acquired);
        return attempt.Lease!.Token;
    }
}

public sealed class InMemoryLeaseStoreTests : LeaseStoreContract
{
    protected override Task<ILeaseStore> CreateAsync() => Task.FromResult<ILeaseStore>(new InMemoryLeaseStore(Time));
}

public sealed class SqliteLeaseStoreTests : LeaseStoreContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorrec-lease-sqlite-").FullName;

    protected override async Task<ILeaseStore> CreateAsync()
    {
        var store = new SqlLeaseStore(SqlDialect.Sqlite($"Data Source={Path.Combine(_dir, "leases.db")};Pooling=false"), "test", Time);
        await store.InitializeAsync();
        return store;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresLeaseStoreTests(PostgresServer server) : LeaseStoreContract
{
    protected override async Task<ILeaseStore> CreateAsync()
    {
        var store = new SqlLeaseStore(SqlDialect.Postgres(server.ConnectionString), "test-" + Guid.NewGuid().ToString("N")[..8], Time);
        await store.InitializeAsync();
        return store;
    }
}
