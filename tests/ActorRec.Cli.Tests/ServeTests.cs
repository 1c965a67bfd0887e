using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using ActorRec.Server.Health;

namespace ActorRec.Cli.Tests;

public sealed class ServeTests
{
    [Fact]
    public async Task Serve_starts_on_an_ephemeral_port_answers_health_and_stops_on_cancel()
    {
        using var dir = new TempDir();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext(output, error, dir.Path, new Dictionary<string, string>()) { OnListening = uri => listening.TrySetResult(uri) };
        using var stop = new CancellationTokenSource();

        var run = CliApp.InvokeAsync(["serve", "--port", "0", "--data-dir", "node-data"], context, stop.Token);
        var uri = await listening.Task.WaitAsync(CliRunner.Guard);
        Assert.NotEqual(0, uri.Port);
        Assert.True(Directory.Exists(Path.Combine(dir.Path, "node-data")));

        using var client = new HttpClient { BaseAddress = uri };
        var health = await client.GetFromJsonAsync<HealthResponse>("/healthz");
        Assert.Equal("alive", health!.Status);
        var ready = await WaitReadyAsync(client);
        Assert.Equal(HttpStatusCode.OK, ready);

        stop.Cancel();
        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(CliRunner.Guard));
        var log = output.ToString();
        Assert.Contains($"serving on {uri.ToString().TrimEnd('/')}", log, StringComparison.Ordinal);
        Assert.Contains("curl", log, StringComparison.Ordinal);
        Assert.Contains("Stopped", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_reads_hocon_actorrec_conf_from_the_working_directory()
    {
        using var dir = new TempDir();
        dir.Write("hocon/actorrec.conf", "actorrec { node-name = from-file, http.port = 0, data-dir = state }\n");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringWriter();
        var context = new CliContext(output, new StringWriter(), dir.Path, new Dictionary<string, string>())
        {
            OnListening = uri => listening.TrySetResult(uri),
        };
        using var stop = new CancellationTokenSource();

        var run = CliApp.InvokeAsync(["serve"], context, stop.Token);
        using var client = new HttpClient { BaseAddress = await listening.Task.WaitAsync(CliRunner.Guard) };
        var health = await client.GetFromJsonAsync<HealthResponse>("/healthz");
        stop.Cancel();

        Assert.Equal("from-file", health!.Node);
        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(CliRunner.Guard));
        Assert.True(Directory.Exists(Path.Combine(dir.Path, "state")), "the config's relative data-dir starts at the working directory");
        Assert.Contains(Path.Combine(dir.Path, "hocon", "actorrec.conf"), output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_log_format_comes_from_config_and_environment()
    {
        using var dir = new TempDir();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringWriter();
        var environment = new Dictionary<string, string> { ["ACTORREC_LOG_FORMAT"] = "json", ["ACTORREC_NODE_NAME"] = "json-node" };
        var context = new CliContext(output, new StringWriter(), dir.Path, environment) { OnListening = uri => listening.TrySetResult(uri) };
        using var stop = new CancellationTokenSource();

        var run = CliApp.InvokeAsync(["serve", "--port", "0", "--data-dir", "d"], context, stop.Token);
        await listening.Task.WaitAsync(CliRunner.Guard);
        stop.Cancel();
        Assert.Equal(ExitCodes.Ok, await run.WaitAsync(CliRunner.Guard));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            Assert.True(json.RootElement.TryGetProperty("RenderedMessage", out _), line);
        }

        Assert.Contains(lines, line => line.Contains("Node \\\"json-node\\\" listening on", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("actorrec { http { port = [ }", ":1:")]
    [InlineData("actorrec.http.port = 123456", "actorrec.http.port")]
    [InlineData("actorrec.logging.level = loud", "actorrec.logging.level")]
    public async Task A_bad_config_stops_serve_with_exit_2_naming_the_problem(string text, string expected)
    {
        using var dir = new TempDir();
        var file = dir.Write("node.conf", text);
        var result = await CliRunner.RunAsync(dir.Path, "serve", "--config", file);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_is_a_runtime_failure_with_exit_1()
    {
        using var dir = new TempDir();
        using var blocker = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;

        var result = await CliRunner.RunAsync(dir.Path, "serve", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", "d");
        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("could not start", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_executable_drains_and_exits_0_on_SIGTERM()
    {
        using var dir = new TempDir();
        using var process = CliRunner.Start(dir.Path, "serve", "--port", "0", "--data-dir", "d");
        var stderr = process.StandardError.ReadToEndAsync();
        var seen = new List<string>();
        Uri? uri = null;
        using (var guard = new CancellationTokenSource(CliRunner.Guard))
        {
            while (uri is null && await process.StandardOutput.ReadLineAsync(guard.Token) is { } line)
            {
                seen.Add(line);
                var at = line.IndexOf("serving on http://", StringComparison.Ordinal);
                if (at >= 0)
                {
                    var start = at + "serving on ".Length;
                    var end = line.IndexOf(' ', start);
                    uri = new Uri(line[start..end]);
                }
            }
        }

        Assert.True(uri is not null, "no 'serving on' line; output:\n" + string.Join('\n', seen));
        using var client = new HttpClient { BaseAddress = uri };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var rest = await process.StandardOutput.ReadToEndAsync().WaitAsync(CliRunner.Guard);
        await process.WaitForExitAsync().WaitAsync(CliRunner.Guard);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}; stderr: {await stderr}");
        Assert.Contains("readiness withdrawn", rest, StringComparison.Ordinal);
        Assert.Contains("Stopped", rest, StringComparison.Ordinal);
    }

    /// <summary>Polls /readyz until 200, bounded by the guard: start-up readiness is a probe, not a delay.</summary>
    private static async Task<HttpStatusCode> WaitReadyAsync(HttpClient client)
    {
        using var guard = new CancellationTokenSource(CliRunner.Guard);
        while (true)
        {
            var response = await client.GetAsync("/readyz", guard.Token);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return response.StatusCode;
            }
        }
    }
}
