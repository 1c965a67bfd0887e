using System.Globalization;
using System.Text;

namespace ActorRec.Benchmarks.Cluster;

/// <summary>
/// Options of <c>actorrec bench cluster</c>. <see cref="Validate"/> names the bad option.
/// </summary>
/// <param name="Entities">Resident entities (users, one event each) on the node that is killed; the cluster holds
/// <c>Entities × Nodes</c> users in all before the kill.</param>
/// <param name="Seconds">Length of each timed throughput phase (events, then feeds; with 1 node, then with <see cref="Nodes"/>).</param>
/// <param name="Nodes">Nodes of the multi-node phase (the figures' "3").</param>
/// <param name="Concurrency">HTTP requests in flight at once (closed loop).</param>
/// <param name="Videos">Videos registered before each phase.</param>
/// <param name="Users">Users the throughput phases write to and read feeds of.</param>
/// <param name="EventBatch">Events per POST in the throughput phase.</param>
/// <param name="Postgres">Connection string of a running PostgreSQL; null starts a throwaway server.</param>
/// <param name="RehomeEntities">When above 0, the re-home phase writes exactly this many users, all on shards of the
/// node that is killed (posted to that node), instead of <see cref="Entities"/> on every node: the issue's "re-home 100k
/// resident entities" without writing twice as many to the survivors first.</param>
/// <param name="RehomeConcurrency">Users asked at once while timing the re-home (each one GET /v1/users/ID).</param>
public sealed record ClusterBenchOptions(
    int Entities = 100_000,
    double Seconds = 10,
    int Nodes = 3,
    int Concurrency = 16,
    int Videos = 200,
    int Users = 2_000,
    int EventBatch = 20,
    string? Postgres = null,
    int RehomeEntities = 0,
    int RehomeConcurrency = 64)
{
    /// <summary>Events per POST while the re-home population is written.</summary>
    public const int PopulateBatch = 100;

    public ClusterBenchOptions Validate()
    {
        Check(Entities is >= 1 and <= 10_000_000, "--entities", Entities, "between 1 and 10,000,000");
        Check(Seconds is > 0 and <= 3600, "--seconds", Seconds.ToString(CultureInfo.InvariantCulture), "in (0, 3600]");
        Check(Nodes is >= 2 and <= 16, "--nodes", Nodes, "between 2 and 16 (one of them is killed)");
        Check(Concurrency is >= 1 and <= 1024, "--concurrency", Concurrency, "between 1 and 1024");
        Check(Videos is >= 1 and <= 1_000_000, "--videos", Videos, "between 1 and 1,000,000");
        Check(Users is >= 1 and <= 10_000_000, "--users", Users, "between 1 and 10,000,000");
        Check(EventBatch is >= 1 and <= 1000, "--event-batch", EventBatch, "between 1 and 1000 (the API's default batch limit)");
        Check(RehomeEntities is >= 0 and <= 10_000_000, "--rehome-entities", RehomeEntities, "between 0 (off) and 10,000,000");
        Check(RehomeConcurrency is >= 1 and <= 1024, "--rehome-concurrency", RehomeConcurrency, "between 1 and 1024");
        if (Postgres is not null && string.IsNullOrWhiteSpace(Postgres))
        {
            throw new ArgumentException("--postgres must be a PostgreSQL connection string, e.g. 'Host=127.0.0.1;Port=5432;Username=postgres;Database=bench'");
        }

        return this;
    }

    /// <summary>One line describing the run, for the table and the progress log.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Nodes} nodes vs 1, {Seconds:0.#}s per phase, {Concurrency} in flight, {Users:N0} users, {Videos:N0} videos, {EventBatch} events per POST, {(RehomeEntities > 0 ? RehomeEntities : Entities):N0} entities on the killed node{(RehomeEntities > 0 ? " (written to it alone)" : "")}, {RehomeConcurrency} re-home checks in flight");

    private static void Check(bool ok, string option, object value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentException(new StringBuilder().Append(option).Append(" must be ").Append(expected).Append(", got ")
                .Append(Convert.ToString(value, CultureInfo.InvariantCulture)).ToString());
        }
    }
}
