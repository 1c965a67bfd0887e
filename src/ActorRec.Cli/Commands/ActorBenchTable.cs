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
    public static void Write(ActorBenchmarkResult result, TextWriter output, bool colors)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("ActorRec actor runtime vs Akka.NET 1.5.30");
        table.AddColumn("benchmark");
        table.AddColumn(new TableColumn("ActorRec").RightAligned());
        table.AddColumn(new TableColumn("Akka.NET").RightAligned());
        table.AddColumn("unit");
        table.AddColumn(new TableColumn("vs Akka").RightAligned());
        ArgumentNullException.ThrowIfNull(result);
        foreach (var row in result.CompareWithAkka())
        {
            var ratio = row.Ratio;
            var ratioText = ratio.ToString("0.00", CultureInfo.InvariantCulture) + "x";
            table.AddRow(
                Markup.Escape(row.Name),
                ActorBenchmarkResult.FormatFigure(row.Ours),
                ActorBenchmarkResult.FormatFigure(row.Akka),
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
}
