using System.Globalization;
using ActorRec.Benchmarks.Actors;
using Spectre.Console;

namespace ActorRec.Cli.Commands;

/// <summary>
/// The <c>bench actors</c> table: each figure of ours beside Akka.NET 1.5.30's reference figure from
/// ../shared/bench/ACTOR-BENCHMARKS.md (same machine kind), with the ratio oriented so that above 1 means better.
/// </summary>
internal static class ActorBenchTable
{
    private static readonly Row[] Rows =
    [
        new("(a) ping-pong, 1 pair, 1 in flight", r => r.PingPong1PairRoundTripsPerSecond, 4.56e6, "round trips/s", false),
        new("(a) ping-pong, 4 pairs, 1 in flight", r => r.PingPong4PairsRoundTripsPerSecond, 6.23e6, "round trips/s", false),
        new("(a') ping-pong, 1 pair, 1,000 in flight", r => r.PingPong1PairInFlight1000RoundTripsPerSecond, 9.8e6, "round trips/s", false),
        new("(a') ping-pong, 4 pairs, 1,000 in flight", r => r.PingPong4PairsInFlight1000RoundTripsPerSecond, 18.7e6, "round trips/s", false),
        new("(b) one-way tell", r => r.TellMessagesPerSecond, 19.4e6, "msgs/s", false),
        new("(c) fan-out 100k x 10", r => r.FanOutMessagesPerSecond, 2.39e6, "msgs/s", false),
        new("(c) actor creation", r => r.ActorCreationPerSecond, 80e3, "actors/s", false),
        new("(c) heap per idle actor", r => r.BytesPerIdleActor, 1744, "bytes", true),
        new("(d) ask p50", r => r.AskP50Microseconds, 0.43, "µs", true),
        new("(d) ask p99", r => r.AskP99Microseconds, 1.68, "µs", true),
        new("(d) ask p99.9", r => r.AskP999Microseconds, 4.2, "µs", true),
        new("(d) sequential asks", r => r.AsksPerSecond, 1.1e6, "asks/s", false),
    ];

    public static void Write(ActorBenchmarkResult result, TextWriter output, bool colors)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("ActorRec actor runtime vs Akka.NET 1.5.30");
        table.AddColumn("benchmark");
        table.AddColumn(new TableColumn("ActorRec").RightAligned());
        table.AddColumn(new TableColumn("Akka.NET").RightAligned());
        table.AddColumn("unit");
        table.AddColumn(new TableColumn("vs Akka").RightAligned());
        foreach (var row in Rows)
        {
            var ours = row.Ours(result);
            var ratio = row.LowerIsBetter ? (ours > 0 ? row.Akka / ours : 0) : ours / row.Akka;
            var ratioText = ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x";
            table.AddRow(
                Markup.Escape(row.Name),
                Format(ours),
                Format(row.Akka),
                Markup.Escape(row.Unit),
                colors ? $"[{(ratio >= 1 ? "green" : "red")}]{ratioText}[/]" : ratioText);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = colors ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = colors ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
        console.Profile.Width = Math.Max(console.Profile.Width, 100);
        console.Write(table);
    }

    private static string Format(double v) => v switch
    {
        >= 1e6 => (v / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M",
        >= 1e4 => (v / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " k",
        >= 100 => v.ToString("0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.00", CultureInfo.InvariantCulture),
    };

    private sealed record Row(string Name, Func<ActorBenchmarkResult, double> Ours, double Akka, string Unit, bool LowerIsBetter);
}
