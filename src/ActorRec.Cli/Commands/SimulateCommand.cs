using System.CommandLine;
using System.Globalization;
using ActorRec.Benchmarks.Feed.Simulation;
using Spectre.Console;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec simulate --url URL --users N --videos M --rate R --duration D</c>: uploads a synthetic catalog to a
/// running node and drives it with simulated people (see <see cref="Population"/>), showing a live table with one
/// row per interval (a minute by default): feeds/s, feed p50/p99 latency, events/s, mean watch ratio and completion
/// rate, and the completion rate relative to the first interval, so personalization learning is visible.
/// </summary>
internal static class SimulateCommand
{
    public static Command Create(CliContext context)
    {
        var url = new Option<string>("--url") { Description = "Base address of the node.", DefaultValueFactory = _ => "http://127.0.0.1:5080", HelpName = "URL" };
        var users = new Option<int>("--users") { Description = "Simulated users.", DefaultValueFactory = _ => 1_000, HelpName = "N" };
        var videos = new Option<int>("--videos") { Description = "Simulated videos (uploaded first).", DefaultValueFactory = _ => 2_000, HelpName = "M" };
        var topics = new Option<int>("--topics") { Description = "Latent topics.", DefaultValueFactory = _ => 20, HelpName = "T" };
        var rate = new Option<double>("--rate") { Description = "Feed requests per second (open loop).", DefaultValueFactory = _ => 50, HelpName = "R" };
        var duration = new Option<string>("--duration") { Description = "How long to run: 90s, 5m, 1h.", DefaultValueFactory = _ => "5m", HelpName = "D" };
        var interval = new Option<string>("--interval") { Description = "Length of one report row.", DefaultValueFactory = _ => "1m", HelpName = "D" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the synthetic world.", DefaultValueFactory = _ => 7UL };

        var simulate = new Command("simulate", "Drive a running node with a synthetic population and show how engagement evolves.");
        foreach (var option in new Option[] { url, users, videos, topics, rate, duration, interval, seed })
        {
            simulate.Add(option);
        }

        simulate.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = new SimulationOptions
            {
                Url = ParseUrl(parseResult.GetValue(url)!),
                Users = parseResult.GetValue(users),
                Videos = parseResult.GetValue(videos),
                Topics = parseResult.GetValue(topics),
                Rate = parseResult.GetValue(rate),
                Duration = ParseDuration("--duration", parseResult.GetValue(duration)!),
                Interval = ParseDuration("--interval", parseResult.GetValue(interval)!),
                Seed = parseResult.GetValue(seed),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException error)
            {
                throw new UsageException(error.Message);
            }

            return await RunAsync(context, options, cancellationToken).ConfigureAwait(false);
        });
        return simulate;
    }

    private static async Task<int> RunAsync(CliContext context, SimulationOptions options, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var simulator = new FeedSimulator(options, http);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(context.Output),
            Ansi = context.IsConsole ? AnsiSupport.Detect : AnsiSupport.No,
            Interactive = context.IsConsole ? InteractionSupport.Detect : InteractionSupport.No,
        });
        console.MarkupLine($"Uploading {options.Videos} videos to [bold]{Markup.Escape(options.Url.ToString())}[/] ...");
        try
        {
            await simulator.UploadCatalogAsync(null, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException error)
        {
            await context.Error.WriteLineAsync($"actorrec: cannot reach {options.Url}: {error.Message} (is `actorrec serve` running?)").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (InvalidOperationException error)
        {
            await context.Error.WriteLineAsync($"actorrec: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        console.MarkupLine($"Simulating {options.Users} users at {options.Rate.ToString(CultureInfo.InvariantCulture)} feeds/s for {options.Duration} ...");
        IReadOnlyList<IntervalRow> rows;
        if (context.IsConsole)
        {
            var table = NewTable();
            IReadOnlyList<IntervalRow> last = [];
            await console.Live(table).StartAsync(async live =>
            {
                last = await simulator.RunAsync(r =>
                {
                    Fill(table, r);
                    live.Refresh();
                }, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            rows = last;
        }
        else
        {
            rows = await simulator.RunAsync(static _ => { }, cancellationToken).ConfigureAwait(false);
            var table = NewTable();
            Fill(table, rows);
            console.Write(table);
        }

        var errors = 0L;
        foreach (var row in rows)
        {
            errors += row.Errors;
        }

        return errors == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static Table NewTable()
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title("actorrec simulate: per interval, feeds/s, feed latency, events/s, mean watch ratio, completion rate (done) and its change vs the first interval");
        foreach (var name in new[] { "#", "feeds/s", "p50 ms", "p99 ms", "ev/s", "watch", "done", "vs 1st", "err", "drop" })
        {
            table.AddColumn(new TableColumn(name).RightAligned());
        }

        return table;
    }

    private static void Fill(Table table, IReadOnlyList<IntervalRow> rows)
    {
        table.Rows.Clear();
        var first = rows.Count > 0 ? rows[0].CompletionRate : 0;
        foreach (var r in rows)
        {
            var vsFirst = first > 0 ? ((r.CompletionRate / first) - 1).ToString("+0%;-0%", CultureInfo.InvariantCulture) : "-";
            table.AddRow(
                $"{r.Index + 1}", F(r.FeedsPerSecond, "0.0"), F(r.P50Ms, "0.0"), F(r.P99Ms, "0.0"), F(r.EventsPerSecond, "0"),
                F(r.MeanWatchRatio, "0.000"), F(r.CompletionRate * 100, "0.0") + "%", vsFirst, $"{r.Errors}", $"{r.Dropped}");
        }
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static Uri ParseUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : throw new UsageException($"--url: '{text}' is not an absolute address");

    /// <summary>Parses 500ms, 90s, 5m, 1h (or a plain number of seconds).</summary>
    internal static TimeSpan ParseDuration(string option, string text)
    {
        var t = text.Trim();
        (string Suffix, double Scale)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, scale) in units)
        {
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n > 0)
            {
                return TimeSpan.FromSeconds(n * scale);
            }
        }

        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new UsageException($"{option}: '{text}' is not a duration (use e.g. 90s, 5m, 1h)");
    }
}
