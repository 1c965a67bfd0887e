using System.CommandLine;
using System.Diagnostics;
using ActorRec.Benchmarks.Cluster;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec bench remote [--json]</c>: remote actor messaging between this process and a second <c>actorrec</c>
/// process it starts itself (the hidden verb <c>bench remote-peer</c>) on loopback: one-way msg/s, ping-pong with N in
/// flight, ask latency p50/p99. JSON keys: one_way_msgs_per_s, pingpong_msgs_per_s, pingpong_round_trips_per_s,
/// pingpong_in_flight, ask_p50_us, ask_p99_us, plus the run sizes, load_avg_1m and cores.
/// </summary>
internal static class RemoteBenchCommand
{
    public static Command Create(CliContext context)
    {
        var d = new RemoteBenchOptions();
        var json = new Option<bool>("--json") { Description = "Print one JSON object with numeric keys." };
        var messages = new Option<long>("--messages") { Description = "One-way messages per timed run (a multiple of 10,000).", DefaultValueFactory = _ => d.Messages };
        var window = new Option<long>("--window") { Description = "Unacknowledged one-way messages in flight.", DefaultValueFactory = _ => d.Window };
        var roundTrips = new Option<long>("--round-trips") { Description = "Ping-pong round trips per timed run.", DefaultValueFactory = _ => d.RoundTrips };
        var inFlight = new Option<int>("--in-flight") { Description = "Pings outstanding at once.", DefaultValueFactory = _ => d.InFlight };
        var asks = new Option<int>("--asks") { Description = "Sequential asks per timed run for the latency percentiles.", DefaultValueFactory = _ => d.Asks };
        var runs = new Option<int>("--runs") { Description = "Timed runs per figure after one warm-up; the median is reported.", DefaultValueFactory = _ => d.Runs };
        var remote = new Command("remote", "Remote actors between two processes on loopback: one-way msg/s, ping-pong msg/s, ask latency.");
        foreach (var option in new Option[] { json, messages, window, roundTrips, inFlight, asks, runs })
        {
            remote.Add(option);
        }

        remote.SetAction(async (parseResult, cancellationToken) =>
        {
            RemoteBenchOptions options;
            try
            {
                options = new RemoteBenchOptions(parseResult.GetValue(messages), parseResult.GetValue(window), parseResult.GetValue(roundTrips),
                    parseResult.GetValue(inFlight), parseResult.GetValue(asks), parseResult.GetValue(runs)).Validate();
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }

            var asJson = parseResult.GetValue(json);
            var result = await RemoteActorBenchmarks.RunDriverAsync(options, PeerStartInfo(), asJson ? context.Error : context.Output, cancellationToken)
                .ConfigureAwait(false);
            await context.Output.WriteLineAsync(asJson ? result.ToJson() : result.ToTable()).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return remote;
    }

    /// <summary>The hidden peer verb: serves the benchmark's actors until standard input closes.</summary>
    public static Command CreatePeer(CliContext context)
    {
        var peer = new Command("remote-peer", "Internal: the second process of bench remote.") { Hidden = true };
        peer.SetAction(async (_, _) =>
        {
            await RemoteActorBenchmarks.RunPeerAsync(Console.In, context.Output).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return peer;
    }

    /// <summary>This same program with the peer verb (through the dotnet host when it runs as <c>dotnet actorrec.dll</c>).</summary>
    private static ProcessStartInfo PeerStartInfo()
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable runs this process.");
        var info = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
        }

        info.ArgumentList.Add("bench");
        info.ArgumentList.Add("remote-peer");
        return info;
    }
}
