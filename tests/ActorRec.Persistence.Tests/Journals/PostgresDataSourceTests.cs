using ActorRec.Persistence.Postgres;
using Npgsql;

namespace ActorRec.Persistence.Tests.Journals;

public sealed class PostgresDataSourceTests
{
    [Fact]
    public void Pool_is_capped_below_the_servers_default_connection_limit_unless_the_operator_sets_one()
    {
        using var capped = PostgresDataSource.Create("Host=127.0.0.1;Username=u;Database=d");
        Assert.Equal(PostgresDataSource.DefaultMaxPoolSize, new NpgsqlConnectionStringBuilder(capped.ConnectionString).MaxPoolSize);
        Assert.True(PostgresDataSource.DefaultMaxPoolSize * 2 < 97, "journal + snapshot pools must fit PostgreSQL's default max_connections");

        using var chosen = PostgresDataSource.Create("Host=127.0.0.1;Username=u;Database=d;Maximum Pool Size=40");
        Assert.Equal(40, new NpgsqlConnectionStringBuilder(chosen.ConnectionString).MaxPoolSize);
        using var spelled = PostgresDataSource.Create("Host=127.0.0.1;Username=u;Database=d;MaxPoolSize=100");
        Assert.Equal(100, new NpgsqlConnectionStringBuilder(spelled.ConnectionString).MaxPoolSize);
    }
}
