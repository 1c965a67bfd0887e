using System.Diagnostics;
using System.Globalization;
using System.Text;
using ActorRec.Actors;

namespace ActorRec.Benchmarks.Cluster;

/// <summary>Options of <c>actorrec bench remote</c>.</summary>
/// <param name="Messages">One-way messages per timed run.</param>
/// <param name="Window">Unacknowledged one-way messages allowed in flight.</param>
/// <param name="RoundTrips">Ping-pong round trips per timed run.</param>
/// <param name="InFlight">Pings outstanding at once in ping-pong.</param>
/// <param name="Asks">Sequential asks timed for the latency percentiles.</param>
/// <param name="Runs">Timed runs per figure after one warm-up; the median is reported.</param>
public sealed record RemoteBenchOptions(
    long Messages = 5_000_000, long Window = 400_000, long RoundTrips = 2_000_000, int InFlight = 1_000, int Asks = 20_000, int Runs = 3)
{
    public RemoteBenchOptions Validate()
    {
        if (Messages < CounterActor.AckEvery || Messages % CounterActor.AckEvery != 0)
        {
            throw new ArgumentException($"--messages must be a positive multiple of {CounterActor.AckEvery}, got {Messages}");
        }

        if (Window < CounterActor.AckEvery)
        {
            throw new ArgumentException($"--window must be at least {CounterActor.AckEvery}, got {Window}");
        }

        if (RoundTrips < 1 || InFlight < 1 || Asks < 100 || Runs < 1)
        {
            throw new ArgumentException("--round-trips and --in-flight must be at least 1, --asks at least 100, --runs at least 1");
        }

        return this;
    }
}

/// <summary>The figures of one <c>bench remote</c> run (medians over the timed runs).</summary>
public sealed record RemoteBenchResult(
    double OneWayMsgsPerSecond, double PingPongRoundTripsPerSecond, int InFlight, double AskP50Micros, double AskP99Micros,
    long OneWayMessages, long RoundTrips, int Asks, int Runs, double LoadAverage1m, int Cores, double BaselineMsgsPerSecond)
{
    /// <summary>Ping-pong messages per second, both directions counted (Akka's remote ping-pong figure counts messages).</summary>
    public double PingPongMsgsPerSecond => 2 * PingPongRoundTripsPerSecond;

    public string ToJson()
    {
        var sb = new StringBuilder("{");
        void Add(string key, double value, bool last = false) =>
            sb.Append('"').Append(key).Append("\":").Append(value.ToString("0.###", CultureInfo.InvariantCulture)).Append(last ? "" : ",");
        Add("one_way_msgs_per_s", OneWayMsgsPerSecond);
        Add("pingpong_msgs_per_s", PingPongMsgsPerSecond);
        Add("pingpong_round_trips_per_s", PingPongRoundTripsPerSecond);
        Add("pingpong_in_flight", InFlight);
        Add("ask_p50_us", AskP50Micros);
        Add("ask_p99_us", AskP99Micros);
        Add("one_way_messages", OneWayMessages);
        Add("round_trips", RoundTrips);
        Add("asks", Asks);
        Add("runs", Runs);
        Add("baseline_protobuf_frames_msgs_per_s", BaselineMsgsPerSecond);
        Add("one_way_vs_baseline", OneWayMsgsPerSecond / BaselineMsgsPerSecond);
        Add("load_avg_1m", LoadAverage1m);
        Add("cores", Cores, last: true);
        return sb.Append('}').ToString();
    }

    public string ToTable() => string.Create(CultureInfo.InvariantCulture, $"""
        remote actors, two processes on loopback ({Cores} cores, load average {LoadAverage1m:0.00} at the end), median of {Runs} runs
        one-way                {OneWayMsgsPerSecond,14:N0} msg/s   ({OneWayMessages:N0} messages, 16 B payload, batched frames)
        ping-pong              {PingPongMsgsPerSecond,14:N0} msg/s   ({PingPongRoundTripsPerSecond:N0} round trips/s, {InFlight} in flight)
        ask latency            p50 {AskP50Micros:0.0} us, p99 {AskP99Micros:0.0} us   ({Asks:N0} sequential asks)
        baseline               {BaselineMsgsPerSecond,14:N0} msg/s   (same run: one protobuf frame per message, transport only, in one process; one-way is {OneWayMsgsPerSecond / BaselineMsgsPerSecond:0.00}x)
        Akka.NET remote ping-pong for reference: ~0.7-1.4 M msg/s on desktop hardware.
        """);
}

/// <summary>
/// <c>actorrec bench remote</c>: this process is the driver node, a second <c>actorrec</c> process (the hidden
/// <c>bench remote-peer</c> verb) the peer; both on loopback with the real transport, serialization registry and
/// remote refs. One-way: a driver actor streams 16-byte messages to a counter actor on the peer, with at most
/// <c>window</c> unacknowledged (acks every 10,000). Ping-pong: a driver actor keeps N pings in flight to an echo
/// actor. Ask: sequential asks from outside any actor, each timed.
/// </summary>
public static class RemoteActorBenchmarks
{
    /// <summary>The peer prints this, then its address, on one stdout line when it is ready.</summary>
    public const string ReadyPrefix = "READY ";

    public static async Task<RemoteBenchResult> RunDriverAsync(RemoteBenchOptions options, ProcessStartInfo peer, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(peer);
        options.Validate();
        peer.RedirectStandardInput = true;
        peer.RedirectStandardOutput = true;
        peer.UseShellExecute = false;
        using var process = Process.Start(peer) ?? throw new InvalidOperationException($"Could not start the peer process {peer.FileName}.");
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            if (line is null || !line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The peer process did not report ready (got '{line}').");
            }

            var peerAddress = line[ReadyPrefix.Length..].Trim();
            await using var node = RemoteActorNode.Start("bench-driver");
            var counter = node.Remote.RefFor(peerAddress, "/user/counter");
            var echo = node.Remote.RefFor(peerAddress, "/user/echo");
            await echo.Ask<BenchPing>(new BenchPing(0), TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);

            log.WriteLine($"peer {peerAddress} ready; one-way warm-up...");
            await OneWayAsync(node, counter, Math.Max(CounterActor.AckEvery, options.Messages / 10 / CounterActor.AckEvery * CounterActor.AckEvery), options.Window).ConfigureAwait(false);
            var oneWay = new List<double>();
            for (var i = 0; i < options.Runs; i++)
            {
                oneWay.Add(options.Messages / await OneWayAsync(node, counter, options.Messages, options.Window).ConfigureAwait(false));
                log.WriteLine($"one-way run {i + 1}: {oneWay[^1]:N0} msg/s");
            }

            await PingPongAsync(node, echo, Math.Max(1, options.RoundTrips / 10), options.InFlight).ConfigureAwait(false);
            var pingPong = new List<double>();
            for (var i = 0; i < options.Runs; i++)
            {
                pingPong.Add(options.RoundTrips / await PingPongAsync(node, echo, options.RoundTrips, options.InFlight).ConfigureAwait(false));
                log.WriteLine($"ping-pong run {i + 1}: {pingPong[^1]:N0} round trips/s");
            }

            await AskLatencyAsync(echo, Math.Max(100, options.Asks / 10), cancellationToken).ConfigureAwait(false);
            var p50 = new List<double>();
            var p99 = new List<double>();
            for (var i = 0; i < options.Runs; i++)
            {
                var (a50, a99) = await AskLatencyAsync(echo, options.Asks, cancellationToken).ConfigureAwait(false);
                p50.Add(a50);
                p99.Add(a99);
                log.WriteLine($"ask run {i + 1}: p50 {a50:0.0} us, p99 {a99:0.0} us");
            }

            var baseline = new List<double>();
            for (var i = 0; i < options.Runs; i++)
            {
                var run = await RemoteBenchmarks.OneWayAsync((int)Math.Min(int.MaxValue, options.Messages / 5), 16, "baseline").ConfigureAwait(false);
                baseline.Add(run.MessagesPerSecond);
                log.WriteLine($"baseline run {i + 1}: {run.MessagesPerSecond:N0} msg/s (protobuf frame per message)");
            }

            return new RemoteBenchResult(Median(oneWay), Median(pingPong), options.InFlight, Median(p50), Median(p99),
                options.Messages, options.RoundTrips, options.Asks, options.Runs, LoadAverage(), Environment.ProcessorCount, Median(baseline));
        }
        finally
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The peer: serves /user/counter and /user/echo until its standard input closes.</summary>
    public static async Task RunPeerAsync(TextReader input, TextWriter output)
    {
        await using var node = RemoteActorNode.Start("bench-peer");
        node.System.ActorOf(Props.Create<CounterActor>(), "counter");
        node.System.ActorOf(Props.Create<EchoActor>(), "echo");
        await output.WriteLineAsync(ReadyPrefix + node.Address).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
        while (await input.ReadLineAsync().ConfigureAwait(false) is not null)
        {
            // Runs until the driver closes our standard input.
        }
    }

    private static async Task<double> OneWayAsync(RemoteActorNode node, IActorRef counter, long messages, long window)
    {
        await counter.Ask<BenchPing>(new BenchPing(-1), TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var driver = node.System.ActorOf(Props.Create(() => new OneWayDriver(counter, messages, window, done)));
        var stopwatch = Stopwatch.StartNew();
        driver.Tell(StartRun.Instance, null);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        node.System.Stop(driver);
        return seconds;
    }

    private static async Task<double> PingPongAsync(RemoteActorNode node, IActorRef echo, long roundTrips, int inFlight)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var driver = node.System.ActorOf(Props.Create(() => new PingPongDriver(echo, roundTrips, inFlight, done)));
        var stopwatch = Stopwatch.StartNew();
        driver.Tell(StartRun.Instance, null);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5)).ConfigureAwait(false);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        node.System.Stop(driver);
        return seconds;
    }

    private static async Task<(double P50, double P99)> AskLatencyAsync(IActorRef echo, int asks, CancellationToken cancellationToken)
    {
        var micros = new double[asks];
        var ping = new BenchPing(7);
        for (var i = 0; i < asks; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await echo.Ask<BenchPing>(ping, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            micros[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(micros);
        return (micros[(int)(asks * 0.50)], micros[Math.Min(asks - 1, (int)(asks * 0.99))]);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static double LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.AsSpan(0, text.IndexOf(' ')), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return -1;
        }
    }
}
