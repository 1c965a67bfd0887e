using System.Diagnostics;
using ActorRec.Cluster.Singleton;
using ActorRec.Cluster.Storage;

namespace ActorRec.Cluster.Tests.MultiProcess;

/// <summary>
/// A multi-process cluster harness for any test that needs real nodes: spawns <c>actorrec serve</c> processes, each
/// with its own directory, config file, data dir and OS-chosen HTTP and cluster ports, all sharing one PostgreSQL
/// database (membership, leases, singleton runs). Disposing kills every process still running and deletes the
/// directories.
/// </summary>
/// <remarks>
/// Typical use: <c>var cluster = new MultiProcessCluster(await postgres.CreateDatabaseAsync("t1"));</c>, then
/// <c>var nodes = await cluster.StartReadyAsync("a", "b");</c>, then wait on states with
/// <see cref="NodeProcess.WaitForClusterAsync"/>, stop nodes with <see cref="NodeProcess.Kill"/> or
/// <see cref="NodeProcess.Terminate"/>, and run CLI verbs with <see cref="RunCliAsync"/>.
/// </remarks>
public sealed class MultiProcessCluster : IAsyncDisposable
{
    public const string Secret = "multi-process-secret-0123456789";
    public const string AdminToken = "multi-process-admin-token-0123456789";

    /// <summary>Generous failure deadline for anything a node does (the test machine is shared and loaded).</summary>
    public static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Short intervals so that tests finish quickly: poll 500ms, down after 5s, heartbeats every 250ms tolerating
    /// 3s pauses, leases of 3s. A killed node is declared down within down-after + poll-interval = 5.5s.
    /// </summary>
    public const string FastTimings = """
        actorrec.cluster {
          membership { poll-interval = 500ms, down-after = 5s }
          failure-detector { heartbeat-interval = 250ms, first-heartbeat-estimate = 250ms, acceptable-heartbeat-pause = 3s }
          lease.duration = 3s
        }
        """;

    private readonly string _root = System.IO.Directory.CreateTempSubdirectory("actorrec-mp-").FullName;
    private readonly List<NodeProcess> _nodes = [];

    public MultiProcessCluster(string connectionString, string timings = FastTimings)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ConnectionString = connectionString;
        Timings = timings;
    }

    public string ConnectionString { get; }

    /// <summary>HOCON appended to every node's config (cluster timings).</summary>
    public string Timings { get; }

    public IReadOnlyList<NodeProcess> Nodes => _nodes;

    /// <summary>The built actorrec.dll (copied beside the tests by the project reference).</summary>
    public static string Executable
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "actorrec.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("actorrec.dll is not beside the tests", path);
        }
    }

    /// <summary>Starts <c>actorrec serve</c> for node <paramref name="name"/> and waits until it listens (not until ready).</summary>
    /// <param name="name">Node name.</param>
    /// <param name="secret">Cluster secret (default <see cref="Secret"/>).</param>
    /// <param name="extraConfig">HOCON appended after the timings.</param>
    /// <param name="waitListening">False for a node that may legitimately exit before it listens (a refused intruder).</param>
    public async Task<NodeProcess> StartNodeAsync(string name, string? secret = null, string extraConfig = "", bool waitListening = true)
    {
        var dir = Path.Combine(_root, name + "-" + _nodes.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        System.IO.Directory.CreateDirectory(dir);
        var config = Path.Combine(dir, "node.conf");
        await File.WriteAllTextAsync(config, $$"""
            actorrec {
              http.host = "127.0.0.1"
              cluster { hostname = "127.0.0.1", bind-host = "127.0.0.1" }
            }
            {{Timings}}
            {{extraConfig}}
            """).ConfigureAwait(false);

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            Executable, "serve", "--config", config, "--node-name", name, "--port", "0", "--cluster-port", "0",
            "--cluster-postgres", ConnectionString, "--data-dir", Path.Combine(dir, "data"), "--no-demo",
        })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ACTORREC_CLUSTER_SECRET"] = secret ?? Secret;
        start.Environment["ACTORREC_ADMIN_TOKEN"] = AdminToken;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var node = new NodeProcess(name, dir, start, AdminToken);
        lock (_nodes)
        {
            _nodes.Add(node);
        }

        if (waitListening)
        {
            await node.WaitListeningAsync(Guard).ConfigureAwait(false);
        }

        return node;
    }

    /// <summary>Starts several nodes at once and waits until every one reports ready (a ready node is a member).</summary>
    public async Task<NodeProcess[]> StartReadyAsync(params string[] names)
    {
        var nodes = await Task.WhenAll(names.Select(n => StartNodeAsync(n))).ConfigureAwait(false);
        await Task.WhenAll(nodes.Select(n => n.WaitReadyAsync(Guard))).ConfigureAwait(false);
        return nodes;
    }

    /// <summary>Runs an <c>actorrec</c> verb as a process to completion (the admin token in its environment).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunCliAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Executable);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ACTORREC_ADMIN_TOKEN"] = AdminToken;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Guard).ConfigureAwait(false);
        return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }

    /// <summary>The singleton's recorded tenures, straight from the database.</summary>
    public Task<IReadOnlyList<SingletonRun>> ReadSingletonRunsAsync(string singleton, string clusterName = "actorrec") =>
        new SqlSingletonRunLog(SqlDialect.Postgres(ConnectionString), clusterName).ReadAsync(singleton);

    /// <summary>Asserts the run log shows one tenure at a time, in token order.</summary>
    public static void AssertNeverRanTwice(IReadOnlyList<SingletonRun> runs)
    {
        for (var i = 1; i < runs.Count; i++)
        {
            Assert.True(runs[i].Token > runs[i - 1].Token, $"tokens must grow: {runs[i - 1].Token} then {runs[i].Token}");
            Assert.True(runs[i].StartedAt >= runs[i - 1].EndedBy,
                $"tenure {runs[i].Token} on {runs[i].Node} started at {runs[i].StartedAt:O}, before tenure {runs[i - 1].Token} on {runs[i - 1].Node} ended ({runs[i - 1].EndedBy:O})");
        }
    }

    /// <summary>The tails of every node's log, for assertion messages.</summary>
    public string Logs() => string.Join("\n", _nodes.Select(n => n.Tail()));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            System.IO.Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying process: the temp dir is cleaned by the OS later.
        }
    }
}
