using ActorRec.Persistence.Testing;

namespace ActorRec.Cluster.Tests.Support;

/// <summary>
/// The xunit collection fixture for the PostgreSQL contract tests: one throwaway server per run, started by the
/// persistence layer's <see cref="PostgresServerFixture"/> (initdb + pg_ctl on a free loopback port; missing binaries
/// fail the tests, never skip them).
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private PostgresServerFixture? _server;

    public string ConnectionString =>
        _server?.ConnectionString ?? throw new InvalidOperationException("The PostgreSQL test server has not started.");

    /// <summary>A fresh empty database on the server (one per multi-process test, so clusters never meet).</summary>
    public Task<string> CreateDatabaseAsync(string name) =>
        (_server ?? throw new InvalidOperationException("The PostgreSQL test server has not started.")).CreateDatabaseAsync(name);

    public async Task InitializeAsync() => _server = await PostgresServerFixture.StartAsync("actorrec_cluster");

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}

/// <summary>The multi-process tests: their own PostgreSQL server, so they run beside the SQL contract tests.</summary>
[CollectionDefinition(Name)]
public sealed class MultiProcessCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "multi-process";
}

/// <summary>The soak test: its own collection, so its minute of load runs beside the other tests, not after them.</summary>
[CollectionDefinition(Name)]
public sealed class SoakCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "soak";
}
