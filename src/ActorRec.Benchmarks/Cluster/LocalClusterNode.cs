using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorRec.Benchmarks.Cluster;

/// <summary>
/// One <c>actorrec serve</c> child process of <c>bench cluster</c>: its own directory and config file, OS-chosen HTTP
/// and cluster ports (the HTTP address is read from its "serving on" log line), the cluster in the given PostgreSQL
/// database, which also holds the journal. <see cref="Kill"/> is kill -9; disposing kills it and deletes its directory.
/// </summary>
public sealed partial class LocalClusterNode : IAsyncDisposable
{
    private const int KeptLines = 60;
    private readonly Process _process;
    private readonly string _directory;
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource<Uri> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StreamWriter? _logFile;
    private bool _logClosed;

    private LocalClusterNode(string name, string directory, ProcessStartInfo start)
    {
        Name = name;
        _directory = directory;
        if (Environment.GetEnvironmentVariable(LogDirVariable) is { Length: > 0 } logs)
        {
            Directory.CreateDirectory(logs);
            _logFile = new StreamWriter(Path.Combine(logs, name + ".log"), append: true) { AutoFlush = true };
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _ = ReportExitAsync(); // after both output streams drain: the last lines say why
        if (!_process.Start())
        {
            throw new InvalidOperationException("could not start node " + name);
        }

        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Environment variable naming a folder: when set, every line of every node is also written to NAME.log there.</summary>
    public const string LogDirVariable = "ACTORREC_BENCH_NODE_LOGS";

    public string Name { get; }

    /// <summary>HTTP base address (after <see cref="StartAsync"/> returned).</summary>
    public Uri Url => _url.Task.Result;

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>
    /// Starts a node and waits until it listens. <paramref name="command"/> runs <c>actorrec</c> (this program, through
    /// the dotnet host when needed); <paramref name="config"/> is HOCON for its config file.
    /// </summary>
    public static async Task<LocalClusterNode> StartAsync(ProcessStartInfo command, string name, string connectionString, string config,
        string secret, string adminToken, TimeSpan guard)
    {
        ArgumentNullException.ThrowIfNull(command);
        var directory = Directory.CreateTempSubdirectory("actorrec-bench-" + name + "-").FullName;
        var configFile = Path.Combine(directory, "node.conf");
        await File.WriteAllTextAsync(configFile, config).ConfigureAwait(false);
        var start = new ProcessStartInfo(command.FileName)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var arg in command.ArgumentList)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var arg in new[]
        {
            "serve", "--config", configFile, "--node-name", name, "--port", "0", "--cluster-port", "0",
            "--cluster-postgres", connectionString, "--data-dir", Path.Combine(directory, "data"), "--no-demo",
        })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ACTORREC_CLUSTER_SECRET"] = secret;
        start.Environment["ACTORREC_ADMIN_TOKEN"] = adminToken;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var node = new LocalClusterNode(name, directory, start);
        var done = await Task.WhenAny(node._url.Task, node._exited.Task).WaitAsync(guard).ConfigureAwait(false);
        if (done != node._url.Task)
        {
            var tail = node.Tail();
            await node.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"node {name} exited before listening:\n{tail}");
        }

        return node;
    }

    /// <summary>Polls <c>/readyz</c> until 200 (the node is a member and serves).</summary>
    public async Task WaitReadyAsync(HttpClient http, TimeSpan guard)
    {
        ArgumentNullException.ThrowIfNull(http);
        var clock = Stopwatch.StartNew();
        using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (clock.Elapsed < guard)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"node {Name} exited before it was ready:\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Url, "/readyz")).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
            {
                // Not serving yet.
            }

            await ticks.WaitForNextTickAsync().ConfigureAwait(false);
        }

        throw new TimeoutException($"node {Name} not ready after {guard.TotalSeconds:0}s:\n{Tail()}");
    }

    /// <summary>kill -9.</summary>
    public void Kill()
    {
        if (!HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>The last lines the node logged.</summary>
    public string Tail()
    {
        lock (_tail)
        {
            return $"--- {Name} ---\n" + string.Join('\n', _tail);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The OS reaps it; nothing more to do.
        }

        _process.Dispose();
        if (_logFile is not null)
        {
            lock (_tail)
            {
                _logClosed = true;
                _logFile.Dispose();
            }
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by the dying process: left to the OS's temp cleanup.
        }
    }

    private async Task ReportExitAsync()
    {
        try
        {
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        finally
        {
            _exited.TrySetResult(_process.ExitCode);
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        line = AnsiEscape().Replace(line, "");
        lock (_tail)
        {
            if (!_logClosed)
            {
                _logFile?.WriteLine(line);
            }

            _tail.Enqueue(line);
            if (_tail.Count > KeptLines)
            {
                _tail.Dequeue();
            }
        }

        if (!_url.Task.IsCompleted && line.Contains("serving on", StringComparison.Ordinal) && ServingUrl().Match(line) is { Success: true } m)
        {
            _url.TrySetResult(new Uri(m.Value));
        }
    }

    /// <summary>Node names of a run: <c>PREFIX-1</c> .. <c>PREFIX-N</c>.</summary>
    public static string NameOf(string prefix, int index) => prefix + "-" + index.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\x1B\[[0-9;]*m")]
    private static partial Regex AnsiEscape();

    [GeneratedRegex(@"http://[0-9.]+:[0-9]+")]
    private static partial Regex ServingUrl();
}
