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
