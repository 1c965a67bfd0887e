using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using ActorRec.Server.Admin;

namespace ActorRec.Cluster.Tests.MultiProcess;

/// <summary>
/// One <c>actorrec serve</c> child process (the built actorrec.dll run by <c>dotnet</c>): its log lines as they come,
/// its HTTP address (read from its "serving on" log line, so ports are chosen by the OS and never collide), its exit
/// code, and the ways to stop it: <see cref="Kill"/> (SIGKILL) and <see cref="Terminate"/> (SIGTERM).
/// </summary>
public sealed partial class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];
    private readonly TaskCompletionSource<Uri> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal NodeProcess(string name, string directory, ProcessStartInfo start, string adminToken)
    {
        Name = name;
        Directory = directory;
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        // Exited can fire before the output pipes are drained; WaitForExitAsync also waits for both streams' EOF,
        // so a node's last lines (why it exited) are in Log by the time Exited completes.
        _process.Exited += (_, _) => _ = ReportExitAsync();
        if (!_process.Start())
        {
            throw new InvalidOperationException("could not start dotnet for node " + name);
        }

        Pid = _process.Id;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = TimeSpan.FromSeconds(20) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
    }

    public string Name { get; }

    /// <summary>The node's own directory (config file, data dir).</summary>
    public string Directory { get; }

    public int Pid { get; }

    /// <summary>A client that sends the admin token; relative URIs need <see cref="Url"/> as their base.</summary>
    public HttpClient Http { get; }

    /// <summary>The HTTP base address, once the node logged it.</summary>
    public Uri Url => _url.Task.IsCompletedSuccessfully ? _url.Task.Result : throw new InvalidOperationException($"{Name} has not reported its address yet");

    /// <summary>Completes with the exit code when the process ends.</summary>
    public Task<int> Exited => _exited.Task;

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>Everything the node logged so far (stdout and stderr).</summary>
    public string Log
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>The last lines of the log, for assertion messages.</summary>
    public string Tail(int lines = 40)
    {
        lock (_gate)
        {
            return $"--- {Name} (pid {Pid}) ---\n" + string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - lines)));
        }
    }

    /// <summary>Waits for the node to log its HTTP address; fails early if it exits first.</summary>
    public async Task<Uri> WaitListeningAsync(TimeSpan guard)
    {
        var done = await Task.WhenAny(_url.Task, _exited.Task).WaitAsync(guard).ConfigureAwait(false);
        return done == _url.Task ? _url.Task.Result : throw new InvalidOperationException($"{Name} exited with {_exited.Task.Result} before listening\n{Tail()}");
    }

    /// <summary>Completes with the first log line (past or future) that contains <paramref name="text"/>.</summary>
    public Task<string> WaitForLogAsync(string text, TimeSpan guard) => WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), guard);

    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan guard)
    {
        lock (_gate)
        {
            foreach (var line in _lines)
            {
                if (match(line))
                {
                    return Task.FromResult(line);
                }
            }

            var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
            return done.Task.WaitAsync(guard);
        }
    }

    /// <summary>GET /readyz until 200 (polled; <paramref name="guard"/> is the failure deadline).</summary>
    public Task WaitReadyAsync(TimeSpan guard) => WithLogOnTimeoutAsync(Poll.UntilAsync(async () =>
    {
        if (HasExited)
        {
            throw new InvalidOperationException($"{Name} exited with {Exited.Result} before it was ready\n{Tail()}");
        }

        using var response = await Http.GetAsync(new Uri(Url, "/readyz")).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.OK;
    }, guard, $"{Name} ready"));

    /// <summary>GET /admin/cluster with the admin token.</summary>
    public async Task<ClusterStatusResponse> GetClusterAsync()
    {
        using var response = await Http.GetAsync(new Uri(Url, "/admin/cluster")).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ClusterStatusResponse>().ConfigureAwait(false))!;
    }

    /// <summary>Polls <c>/admin/cluster</c> on this node until <paramref name="match"/> holds; returns that view.</summary>
    public async Task<ClusterStatusResponse> WaitForClusterAsync(Func<ClusterStatusResponse, bool> match, TimeSpan guard, string what)
    {
        ClusterStatusResponse? seen = null;
        await WithLogOnTimeoutAsync(Poll.UntilAsync(async () =>
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {Exited.Result} while waiting for: {what}\n{Tail()}");
            }

            seen = await GetClusterAsync().ConfigureAwait(false);
            return match(seen);
        }, guard, $"{what} (as seen from {Name}; last: {Describe(seen)})")).ConfigureAwait(false);
        return seen!;
    }

    private async Task WithLogOnTimeoutAsync(Task wait)
    {
        try
        {
            await wait.ConfigureAwait(false);
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException(timeout.Message + "\n" + Tail(), timeout);
        }
    }

    /// <summary>kill -9: no goodbye, no leave, sockets reset by the kernel.</summary>
    public void Kill()
    {
        if (!HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>SIGTERM, as Kubernetes sends before deleting a pod.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        kill.WaitForExit();
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
            // Reported by the test that owns the node; nothing more to do here.
        }

        Http.Dispose();
        _process.Dispose();
    }

    public static string Describe(ClusterStatusResponse? status) => status is null ? "nothing yet"
        : string.Join(", ", status.Members.Select(m => $"{m.Node}#{m.Incarnation}={m.Status}")) + $"; leader={status.Leader ?? "none"}";

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
        lock (_gate)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Done.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (!_url.Task.IsCompleted && line.Contains("serving on", StringComparison.Ordinal) && ServingUrl().Match(line) is { Success: true } m)
        {
            _url.TrySetResult(new Uri(m.Value));
        }
    }

    [GeneratedRegex(@"\x1B\[[0-9;]*m")]
    private static partial Regex AnsiEscape();

    [GeneratedRegex(@"http://[0-9.]+:[0-9]+")]
    private static partial Regex ServingUrl();
}

/// <summary>Polling with a failure deadline: a passing test returns at the first true answer, never after a fixed wait.</summary>
public static class Poll
{
    /// <summary>How often a condition is re-checked.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan guard, string what, Func<string>? lastState = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = Stopwatch.StartNew();
        using var ticks = new PeriodicTimer(Interval);
        Exception? last = null;
        do
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
            {
                last = error; // not listening yet, or busy: ask again at the next tick
            }
        }
        while (deadline.Elapsed < guard && await ticks.WaitForNextTickAsync().ConfigureAwait(false));

        throw new TimeoutException($"Gave up after {guard.TotalSeconds:0}s waiting for: {what}" + (last is null ? "" : $" (last error: {last.Message})")
            + (lastState is null ? "" : "; " + lastState()));
    }
}
