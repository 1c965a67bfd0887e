using ActorRec.Server;
using ActorRec.Server.Admin;
using ActorRec.Server.Logging;
using ActorRec.Server.Tests.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ActorRec.Cli.Tests;

/// <summary>
/// The shard verbs and <c>cluster drain</c> against a real node (Kestrel on loopback) whose shard runtime is a fake:
/// arguments, the requests they make, their output and exit codes.
/// </summary>
public sealed class ShardCommandTests : IAsyncLifetime
{
    private const string Token = "cli-token-0123456789";
    private readonly FakeShardAdmin _fake = new();
    private readonly TempDir _dir = new();
    private WebApplication? _app;
    private string _url = "";

    public async Task InitializeAsync()
    {
        var settings = ServerSettings.Create("cli-test", "127.0.0.1", 0, Path.Combine(_dir.Path, "data"), 4096, TimeSpan.FromSeconds(5));
        var logger = SerilogSetup.CreateLogger(LoggingSettings.Default with { Async = false }, new StringWriter());
        _app = ActorRecHost.Build(settings, logger, services =>
        {
            services.AddSingleton(AdminSettings.Create(Token));
            services.AddSingleton<IShardAdmin>(_fake);
        }, endpoints => endpoints.MapShardAdmin());
        await _app.StartAsync();
        _url = Assert.Single(ActorRecHost.GetListeningUris(_app)).ToString();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _dir.Dispose();
    }

    private Task<CliResult> RunAsync(params string[] args) => CliRunner.RunAsync(_dir.Path, [.. args, "--url", _url, "--token", Token]);

    [Fact]
    public async Task Shards_list_prints_every_shard_and_the_totals_per_node()
    {
        var result = await RunAsync("shards", "list", "--type", "user");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["type shard node status epoch entities", "user 3 b allocated 3 30"], new[] { lines[0], lines[4] }.Select(Squeeze));
        Assert.Contains("a: 2 shard(s), 20 entities", lines);
        Assert.Contains("b: 2 shard(s), 40 entities", lines);
        Assert.Equal(["list user"], _fake.Calls);

        var json = await RunAsync("shards", "list", "--json");
        Assert.Equal(ExitCodes.Ok, json.ExitCode);
        Assert.Contains("\"type\": \"video\"", json.Output, StringComparison.Ordinal);
        Assert.Equal(["list user", "list user", "list video"], _fake.Calls);
    }

    [Fact]
    public async Task Shards_rebalance_move_and_locate_print_what_the_node_did()
    {
        var rebalance = await RunAsync("shards", "rebalance");
        Assert.Equal(ExitCodes.Ok, rebalance.ExitCode);
        Assert.Equal("1 move(s)\nuser shard 3: a -> b\n", rebalance.Output.ReplaceLineEndings("\n"));

        var move = await RunAsync("shards", "move", "2", "b", "--type", "video");
        Assert.Equal(ExitCodes.Ok, move.ExitCode);
        Assert.Equal("video shard 2: a -> b", move.Output.Trim());

        var locate = await RunAsync("shards", "locate", "u 1");
        Assert.Equal(ExitCodes.Ok, locate.ExitCode);
        Assert.Equal("user u 1: shard 2 on a (epoch 7)", locate.Output.Trim());
        Assert.Equal(["rebalance user", "rebalance video", "move video 2 b", "locate user u 1"], _fake.Calls);
    }

    [Fact]
    public async Task Bad_arguments_are_usage_errors_and_refusals_print_the_node_s_problem()
    {
        Assert.Equal(ExitCodes.Usage, (await RunAsync("shards", "move", "x", "a")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("shards", "move", "-3", "a")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("shards", "move", "1")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("shards", "locate")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await RunAsync("cluster", "drain")).ExitCode);

        var unknownNode = await RunAsync("shards", "move", "1", "zz");
        Assert.Equal(ExitCodes.Failure, unknownNode.ExitCode);
        Assert.Contains("400", unknownNode.Error, StringComparison.Ordinal);
        Assert.Contains("unknown node 'zz'", unknownNode.Error, StringComparison.Ordinal);

        var badType = await RunAsync("shards", "list", "--type", "song");
        Assert.Equal(ExitCodes.Failure, badType.ExitCode);
        Assert.Contains("unknown entity type 'song'", badType.Error, StringComparison.Ordinal);

        var noToken = await CliRunner.RunAsync(_dir.Path, "shards", "list", "--url", _url);
        Assert.Equal(ExitCodes.Failure, noToken.ExitCode);
        Assert.Contains("ACTORREC_ADMIN_TOKEN", noToken.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_drain_waits_for_the_hand_offs_then_reports_the_node_leaving()
    {
        var drain = RunAsync("cluster", "drain", "a");
        await _fake.DrainStarted.Task.WaitAsync(CliRunner.Guard);
        Assert.False(drain.IsCompleted);
        _fake.DrainGate.SetResult();
        var result = await drain;
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Equal("a drained: it owns no shard and is leaving the cluster", result.Output.Trim());
        Assert.Equal(["drain a", "leave a"], _fake.Calls);
    }

    [Fact]
    public async Task Cluster_drain_that_outlasts_its_timeout_says_so_and_that_the_drain_goes_on()
    {
        var drain = RunAsync("cluster", "drain", "a", "--timeout", "0.3s");
        await _fake.DrainStarted.Task.WaitAsync(CliRunner.Guard);
        var result = await drain.WaitAsync(CliRunner.Guard); // the node never answers: only the client's timeout ends it
        _fake.DrainGate.SetResult();

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("did not answer POST /admin/cluster/drain/a within 0.3 s; the drain goes on there", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Output);

        var bad = await RunAsync("cluster", "drain", "a", "--timeout", "soon");
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Contains("--timeout: 'soon' is not a duration", bad.Error, StringComparison.Ordinal);
    }

    private static string Squeeze(string line) => string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
