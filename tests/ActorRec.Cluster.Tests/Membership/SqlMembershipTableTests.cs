using ActorRec.Cluster.Membership;
using ActorRec.Cluster.Storage;
using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.Membership;

public sealed class SqliteMembershipTableTests : MembershipTableContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorrec-cluster-sqlite-").FullName;

    protected override async Task<IMembershipTable> CreateAsync(string clusterName)
    {
        // One database file shared by every table of the test class, as nodes on one machine would share it.
        var table = new SqlMembershipTable(SqlDialect.Sqlite($"Data Source={Path.Combine(_dir, "cluster.db")};Pooling=false"), clusterName);
        await table.InitializeAsync();
        return table;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresMembershipTableTests(PostgresServer server) : MembershipTableContract
{
    protected override async Task<IMembershipTable> CreateAsync(string clusterName)
    {
        var table = new SqlMembershipTable(SqlDialect.Postgres(server.ConnectionString), clusterName);
        await table.InitializeAsync();
        return table;
    }
}
