namespace ActorRec.Cli.Tests;

/// <summary>
/// The cluster verbs and serve's cluster options without a live cluster (the live cluster, status table and leave
/// are covered by the multi-process tests in ActorRec.Cluster.Tests).
/// </summary>
public sealed class ClusterCommandTests
{
    [Fact]
    public async Task Serve_with_a_cluster_store_but_no_secret_stops_naming_the_secret_key()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "serve", "--port", "0", "--node-name", "n1",
            "--cluster-postgres", "Host=127.0.0.1;Port=1;Username=nobody;Database=none");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("actorrec.cluster.secret", result.Error, StringComparison.Ordinal);
        Assert.Contains("ACTORREC_CLUSTER_SECRET", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_status_against_a_node_that_is_not_there_fails_with_a_clear_message()
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "cluster", "status", "--url", "http://127.0.0.1:1", "--token", "t");
        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("cannot reach http://127.0.0.1:1/", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_leave_needs_a_node_name_and_a_valid_url()
    {
        using var dir = new TempDir();
        Assert.Equal(ExitCodes.Usage, (await CliRunner.RunAsync(dir.Path, "cluster", "leave")).ExitCode);
        var badUrl = await CliRunner.RunAsync(dir.Path, "cluster", "leave", "n1", "--url", "ftp://x");
        Assert.Equal(ExitCodes.Usage, badUrl.ExitCode);
        Assert.Contains("--url", badUrl.Error, StringComparison.Ordinal);
    }
}
