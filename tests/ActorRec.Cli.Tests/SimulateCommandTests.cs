using System.Net;
using System.Net.Http.Json;
using ActorRec.Recommender.Domain;

namespace ActorRec.Cli.Tests;

public sealed class SimulateCommandTests
{
    [Fact]
    public async Task Simulate_uploads_its_catalog_drives_feeds_and_events_and_prints_the_table()
    {
        using var dir = new TempDir();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new CliContext(new StringWriter(), new StringWriter(), dir.Path, new Dictionary<string, string>()) { OnListening = uri => listening.TrySetResult(uri) };
        using var stop = new CancellationTokenSource();
        var serve = CliApp.InvokeAsync(["serve", "--port", "0", "--data-dir", "d", "--no-demo"], context, stop.Token);
        var uri = await listening.Task.WaitAsync(CliRunner.Guard);
        using var client = new HttpClient { BaseAddress = uri };
        using (var guard = new CancellationTokenSource(CliRunner.Guard))
        {
            while ((await client.GetAsync("/readyz", guard.Token)).StatusCode != HttpStatusCode.OK)
            {
                await Task.Yield();
            }
        }

        var result = await CliRunner.RunAsync(dir.Path,
            "simulate", "--url", uri.ToString(), "--users", "20", "--videos", "40", "--topics", "4", "--rate", "20", "--duration", "2s", "--interval", "1s");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.Error + result.Output);
        Assert.Contains("actorrec simulate", result.Output, StringComparison.Ordinal);
        Assert.Contains("Uploading 40 videos", result.Output, StringComparison.Ordinal);
        long events = 0;
        for (var i = 0; i < 40; i++)
        {
            var video = await client.GetFromJsonAsync<VideoStateDto>($"/v1/videos/sim-v{i}", new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web));
            events += video!.EventCount;
        }

        Assert.True(events > 0, "the simulated users sent no events");
        stop.Cancel();
        Assert.Equal(ExitCodes.Ok, await serve.WaitAsync(CliRunner.Guard));
    }

    [Theory]
    [InlineData("--rate", "0", "--rate")]
    [InlineData("--duration", "soon", "--duration")]
    [InlineData("--url", "not a url", "--url")]
    public async Task Bad_options_are_usage_errors_naming_the_option(string option, string value, string named)
    {
        using var dir = new TempDir();
        var result = await CliRunner.RunAsync(dir.Path, "simulate", option, value);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(named, result.Error, StringComparison.Ordinal);
    }
}
