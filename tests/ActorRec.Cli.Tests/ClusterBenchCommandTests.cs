using System.Text.Json;
using ActorRec.Benchmarks.Cluster;

namespace ActorRec.Cli.Tests;

/// <summary><c>bench cluster</c>: options are checked before anything starts, and the JSON keeps its contract keys.</summary>
public sealed class ClusterBenchCommandTests
{
    [Theory]
    [InlineData("--entities", "0")]
    [InlineData("--seconds", "0")]
    [InlineData("--nodes", "1")]
    [InlineData("--concurrency", "0")]
    [InlineData("--users", "0")]
    [InlineData("--videos", "0")]
    [InlineData("--event-batch", "1001")]
    [InlineData("--postgres", " ")]
    [InlineData("--rehome-entities", "-1")]
    [InlineData("--rehome-concurrency", "0")]
    public async Task Bad_options_are_usage_errors_naming_the_option(string option, string value)
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "bench", "cluster", "--json", option, value);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(option, result.Error, StringComparison.Ordinal);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public async Task Help_lists_the_scaling_options()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "bench", "cluster", "--help");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        foreach (var option in new[] { "--json", "--postgres", "--entities", "--seconds", "--nodes", "--concurrency", "--rehome-entities", "--rehome-concurrency" })
        {
            Assert.Contains(option, result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Defaults_are_the_issue_figures_and_validate()
    {
        var options = new ClusterBenchOptions().Validate();
        Assert.Equal(100_000, options.Entities);
        Assert.Equal(3, options.Nodes);
        Assert.Null(options.Postgres);
        Assert.Equal(0, options.RehomeEntities);
    }

    // The population stall of `bench cluster --entities 10000`: the throwaway server's test connection string (pool 50)
    // was handed to every node, and 3 nodes × 2 busy pools × 50 exceeded the server's 200 connections; the node that
    // lost the race failed every recovery with 53300 "too many clients". The budget makes every node's pools fit.
    [Theory]
    [InlineData("Host=127.0.0.1;Port=5432;Username=postgres;Database=b;Maximum Pool Size=50", 3, 200, 15)]
    [InlineData("Host=127.0.0.1;Port=5432;Username=postgres;Database=b;Maximum Pool Size=50", 3, 100, 7)]
    [InlineData("Host=127.0.0.1;Port=5432;Username=postgres;Database=b", 3, 1000, 16)] // the node's own default, not Npgsql's 100
    [InlineData("Host=127.0.0.1;Port=5432;Username=postgres;Database=b;MaxPoolSize=4", 3, 1000, 4)] // never more than asked
    [InlineData("Host=127.0.0.1;Port=5432;Username=postgres;Database=b;Maximum Pool Size=50", 16, 200, 2)]
    public void Every_nodes_pools_fit_under_the_servers_max_connections_together(string connection, int nodes, int maxConnections, int expected)
    {
        var node = new Npgsql.NpgsqlConnectionStringBuilder(NodeConnectionBudget.ForNode(connection, nodes, maxConnections));
        Assert.Equal(expected, node.MaxPoolSize);
        Assert.True(nodes * NodeConnectionBudget.PoolsPerNode * node.MaxPoolSize + NodeConnectionBudget.Reserved <= maxConnections);
        Assert.Equal("b", node.Database);
    }

    [Fact]
    public void A_server_with_too_few_connections_for_the_nodes_is_refused_naming_max_connections()
    {
        var error = Assert.Throws<ArgumentException>(() => NodeConnectionBudget.ForNode("Host=h;Database=b", 16, 100));
        Assert.Contains("max_connections = 100", error.Message, StringComparison.Ordinal);
        Assert.Contains("16 bench nodes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_has_the_contract_keys_all_numeric()
    {
        var result = new ClusterBenchResult(1200.5, 2500.25, 900, 1800, 33_000, 21.5, 9.25, 4000, 3, 10, 16, 3.5, 2);
        using var json = JsonDocument.Parse(result.ToJson());
        var keys = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(ClusterBenchResult.JsonKeys, keys);
        foreach (var key in new[] { "feeds_per_s_1", "feeds_per_s_3", "events_per_s_1", "events_per_s_3", "rehome_entities", "rehome_s" })
        {
            Assert.Contains(key, keys);
        }

        Assert.All(json.RootElement.EnumerateObject(), p => Assert.Equal(JsonValueKind.Number, p.Value.ValueKind));
        Assert.Equal(2500.25, json.RootElement.GetProperty("feeds_per_s_3").GetDouble());
        Assert.Equal(33_000, json.RootElement.GetProperty("rehome_entities").GetInt32());
        Assert.Equal(21.5, json.RootElement.GetProperty("rehome_s").GetDouble());
        Assert.Equal(-1, JsonDocument.Parse((result with { RehomeShardsSeconds = double.NaN }).ToJson()).RootElement.GetProperty("rehome_shards_s").GetDouble());
    }
}
