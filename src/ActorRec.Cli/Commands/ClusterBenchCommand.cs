using System.CommandLine;
using System.Diagnostics;
using ActorRec.Benchmarks.Cluster;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec bench cluster [--json] [--postgres CONNSTR] [--entities N] [--seconds S] [--nodes N] [--concurrency C]
/// [--users U] [--videos V] [--event-batch B] [--rehome-entities N] [--rehome-concurrency C]</c>: routed event and feed throughput with 1 and N local nodes (child
/// processes of this same program), and the time to re-home a killed node's resident entities. JSON keys:
/// feeds_per_s_1, feeds_per_s_3, events_per_s_1, events_per_s_3, rehome_entities, rehome_s (see
/// <see cref="ClusterBenchResult"/> for the rest).
/// </summary>
internal static class ClusterBenchCommand
{
    public static Command Create(CliContext context)
    {
        var d = new ClusterBenchOptions();
        var json = new Option<bool>("--json") { Description = "Print one JSON object with numeric keys (progress goes to standard error)." };
        var postgres = new Option<string>("--postgres")
        {
            Description = "Connection string of a running PostgreSQL for membership, shards and the journal (default: a throwaway server from the installed binaries).",
            HelpName = "CONNSTR",
        };
        var entities = new Option<int>("--entities") { Description = "Resident entities on the node that is killed (the cluster holds this many per node).", DefaultValueFactory = _ => d.Entities };
        var seconds = new Option<double>("--seconds") { Description = "Length of each timed throughput phase.", DefaultValueFactory = _ => d.Seconds };
        var nodes = new Option<int>("--nodes") { Description = "Nodes of the multi-node phase.", DefaultValueFactory = _ => d.Nodes };
        var concurrency = new Option<int>("--concurrency") { Description = "HTTP requests in flight at once.", DefaultValueFactory = _ => d.Concurrency };
        var users = new Option<int>("--users") { Description = "Users of the throughput phases.", DefaultValueFactory = _ => d.Users };
        var videos = new Option<int>("--videos") { Description = "Videos registered per cluster.", DefaultValueFactory = _ => d.Videos };
        var eventBatch = new Option<int>("--event-batch") { Description = "Events per POST in the throughput phase.", DefaultValueFactory = _ => d.EventBatch };
        var rehomeEntities = new Option<int>("--rehome-entities")
        {
            Description = "Write exactly this many users, all on the shards of the node that is killed, for the re-home phase (0: --entities on every node).",
            DefaultValueFactory = _ => d.RehomeEntities,
        };
        var rehomeConcurrency = new Option<int>("--rehome-concurrency") { Description = "Users asked at once while timing the re-home.", DefaultValueFactory = _ => d.RehomeConcurrency };
        var cluster = new Command("cluster", "Cluster: routed feeds/s and events/s with 1 and 3 local nodes; time to re-home a killed node's entities.");
        foreach (var option in new Option[] { json, postgres, entities, seconds, nodes, concurrency, users, videos, eventBatch, rehomeEntities, rehomeConcurrency })
        {
            cluster.Add(option);
        }

        cluster.SetAction(async (parseResult, cancellationToken) =>
        {
            ClusterBenchOptions options;
            try
            {
                options = new ClusterBenchOptions(parseResult.GetValue(entities), parseResult.GetValue(seconds), parseResult.GetValue(nodes),
                    parseResult.GetValue(concurrency), parseResult.GetValue(videos), parseResult.GetValue(users), parseResult.GetValue(eventBatch),
                    parseResult.GetValue(postgres), parseResult.GetValue(rehomeEntities), parseResult.GetValue(rehomeConcurrency)).Validate();
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }

            var asJson = parseResult.GetValue(json);
            var result = await ClusterBenchmarks.RunAsync(options, NodeCommand(), asJson ? context.Error : context.Output, cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync(asJson ? result.ToJson() : result.ToTable()).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return cluster;
    }

    /// <summary>This same program (through the dotnet host when it runs as <c>dotnet actorrec.dll</c>).</summary>
    private static ProcessStartInfo NodeCommand()
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable runs this process.");
        var info = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(typeof(ClusterBenchCommand).Assembly.Location);
        }

        return info;
    }
}
