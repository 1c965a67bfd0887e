using ActorRec.Persistence.Testing;

namespace ActorRec.Persistence.Tests.Journals;

/// <summary>One throwaway PostgreSQL server for every PostgreSQL test class; each test gets its own database.</summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private static int _counter;
    private PostgresServerFixture? _server;

    public PostgresServerFixture Server => _server ?? throw new InvalidOperationException("PostgreSQL fixture not started.");

    public async Task InitializeAsync() => _server = await PostgresServerFixture.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public Task<string> NewDatabaseAsync() => Server.CreateDatabaseAsync($"t{Interlocked.Increment(ref _counter)}");
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
