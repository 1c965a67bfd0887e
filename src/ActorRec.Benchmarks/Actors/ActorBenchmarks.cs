using System.Diagnostics;
using System.Globalization;
using ActorRec.Actors;

namespace ActorRec.Benchmarks.Actors;

/// <summary>
/// The actor runtime benchmarks of ../shared/bench/ACTOR-BENCHMARKS.md: (a) ping-pong with 1 and 4 pairs, 1 and
/// 1,000 messages in flight; (b) one-way tell from the main thread; (c) fan-out to 100k actors with creation rate and
/// heap per idle actor; (d) sequential ask latency. Each benchmark runs once to warm up, then
/// <see cref="ActorBenchmarkOptions.TimedRuns"/> times; every figure is the median of the timed runs. Each run uses
/// a fresh actor system with default settings (throughput 30, unbounded mailbox).
/// </summary>
public static class ActorBenchmarks
{
    private const long PingPongRoundTrips = 5_000_000;
    private const long PingPongInFlightRoundTrips = 10_000_000;
    private const int TellMessages = 10_000_000;
    private const int FanOutActors = 100_000;
    private const int FanOutRounds = 10;
    private const int AskWarmUp = 10_000;
    private const int AskTimed = 200_000;

    public static ActorBenchmarkResult RunAll(ActorBenchmarkOptions? options = null)
    {
        options ??= new ActorBenchmarkOptions();
        options.Validate();
        var pp1 = Median(options, "pingpong 1 pair", () => PingPong(options, 1, 1, options.Count((int)PingPongRoundTrips)));
        var pp4 = Median(options, "pingpong 4 pairs", () => PingPong(options, 4, 1, options.Count((int)PingPongRoundTrips)));
        var ppf1 = Median(options, "pingpong 1 pair x1000", () => PingPong(options, 1, 1000, options.Count((int)PingPongInFlightRoundTrips)));
        var ppf4 = Median(options, "pingpong 4 pairs x1000", () => PingPong(options, 4, 1000, options.Count((int)PingPongInFlightRoundTrips)));
        var tell = Median(options, "one-way tell", () => OneWayTell(options, options.Count(TellMessages)));
        var fanOut = MedianOf(options, "fan-out", () => FanOut(options, options.Count(FanOutActors)), 3);
        var ask = MedianOf(options, "ask", () => Ask(options, options.Count(AskWarmUp), options.Count(AskTimed)), 4);
        return new ActorBenchmarkResult
        {
            PingPong1PairRoundTripsPerSecond = pp1,
            PingPong4PairsRoundTripsPerSecond = pp4,
            PingPong1PairInFlight1000RoundTripsPerSecond = ppf1,
            PingPong4PairsInFlight1000RoundTripsPerSecond = ppf4,
            TellMessagesPerSecond = tell,
            FanOutMessagesPerSecond = fanOut[0],
            ActorCreationPerSecond = fanOut[1],
            BytesPerIdleActor = fanOut[2],
            AskP50Microseconds = ask[0],
            AskP99Microseconds = ask[1],
            AskP999Microseconds = ask[2],
            AsksPerSecond = ask[3],
        };
    }

    /// <summary>(a)/(a'): round trips per second over all pairs.</summary>
    public static double PingPong(ActorBenchmarkOptions options, int pairs, int inFlight, long roundTripsPerPair)
    {
        ArgumentNullException.ThrowIfNull(options);
        var system = ActorSystem.Create("bench", options.Settings);
        try
        {
            var drivers = new IActorRef[pairs];
            var done = new ManualResetEventSlim[pairs];
            for (var i = 0; i < pairs; i++)
            {
                var echo = system.ActorOf(Props.Create<EchoActor>());
                drivers[i] = system.ActorOf(Props.Create(() => new PingPongDriver(echo)));
                done[i] = new ManualResetEventSlim();
            }
            WarmUpActors(system, drivers);
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < pairs; i++)
            {
                drivers[i].Tell(new StartPingPong(roundTripsPerPair, inFlight, done[i]), null);
            }
            foreach (var d in done)
            {
                d.Wait();
            }
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            return pairs * roundTripsPerPair / seconds;
        }
        finally
        {
            system.Terminate().GetAwaiter().GetResult();
        }
    }

    /// <summary>(b): messages per second from the main thread to one counting actor.</summary>
    public static double OneWayTell(ActorBenchmarkOptions options, int messages)
    {
        ArgumentNullException.ThrowIfNull(options);
        var system = ActorSystem.Create("bench", options.Settings);
        try
        {
            var done = new ManualResetEventSlim();
            var counter = system.ActorOf(Props.Create(() => new CountingActor(messages, done)));
            WarmUpActors(system, [counter]);
            var message = BenchMessage.Instance;
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < messages; i++)
            {
                counter.Tell(message, null);
            }
            done.Wait();
            return messages / Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        finally
        {
            system.Terminate().GetAwaiter().GetResult();
        }
    }

    /// <summary>(c): [fan-out msgs/s, actors created/s, heap bytes per idle actor].</summary>
    public static double[] FanOut(ActorBenchmarkOptions options, int actors)
    {
        ArgumentNullException.ThrowIfNull(options);
        var system = ActorSystem.Create("bench", options.Settings);
        try
        {
            var refs = new IActorRef[actors];
            var latch = new FanOutLatch(actors);
            var props = Props.Create(() => new FanOutActor(latch));
            var before = FullGcHeap();
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < actors; i++)
            {
                refs[i] = system.ActorOf(props);
            }
            latch.AllStarted.Wait();
            var creationPerSecond = actors / Stopwatch.GetElapsedTime(start).TotalSeconds;
            var after = FullGcHeap();
            var bytesPerActor = (double)(after - before) / actors;

            var message = BenchMessage.Instance;
            start = Stopwatch.GetTimestamp();
            for (var round = 0; round < FanOutRounds; round++)
            {
                for (var i = 0; i < refs.Length; i++)
                {
                    refs[i].Tell(message, null);
                }
            }
            latch.AllFinished.Wait();
            var fanOutPerSecond = (double)actors * FanOutRounds / Stopwatch.GetElapsedTime(start).TotalSeconds;
            GC.KeepAlive(refs);
            return [fanOutPerSecond, creationPerSecond, bytesPerActor];
        }
        finally
        {
            system.Terminate().GetAwaiter().GetResult();
        }
    }

    /// <summary>(d): [p50 µs, p99 µs, p99.9 µs, asks/s] of sequential asks from one async caller.</summary>
    public static double[] Ask(ActorBenchmarkOptions options, int warmUp, int timed)
    {
        ArgumentNullException.ThrowIfNull(options);
        var system = ActorSystem.Create("bench", options.Settings);
        try
        {
            var echo = system.ActorOf(Props.Create<EchoActor>());
            return Task.Run(() => AskLoop(echo, warmUp, timed)).GetAwaiter().GetResult();
        }
        finally
        {
            system.Terminate().GetAwaiter().GetResult();
        }
    }

    private static async Task<double[]> AskLoop(IActorRef echo, int warmUp, int timed)
    {
        var message = BenchMessage.Instance;
        for (var i = 0; i < warmUp; i++)
        {
            await echo.Ask<BenchMessage>(message).ConfigureAwait(false);
        }
        var ticks = new long[timed];
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < timed; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await echo.Ask<BenchMessage>(message).ConfigureAwait(false);
            ticks[i] = Stopwatch.GetTimestamp() - t0;
        }
        var total = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Array.Sort(ticks);
        return [Micros(NearestRank(ticks, 0.50)), Micros(NearestRank(ticks, 0.99)), Micros(NearestRank(ticks, 0.999)), timed / total];
    }

    private static long NearestRank(long[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Micros(long ticks) => ticks * 1e6 / Stopwatch.Frequency;

    private static long FullGcHeap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Waits until the actors have been created (one ask-free round trip through each mailbox).</summary>
    private static void WarmUpActors(ActorSystem system, IActorRef[] actors)
    {
        foreach (var a in actors)
        {
            a.Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        }
        GC.KeepAlive(system);
    }

    private static double Median(ActorBenchmarkOptions options, string name, Func<double> run) => MedianOf(options, name, () => [run()], 1)[0];

    private static double[] MedianOf(ActorBenchmarkOptions options, string name, Func<double[]> run, int width)
    {
        run(); // warm-up
        var runs = new double[options.TimedRuns][];
        for (var r = 0; r < runs.Length; r++)
        {
            GC.Collect();
            runs[r] = run();
            options.Progress?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} run {r + 1}: {string.Join(" ", runs[r].Select(v => v.ToString("0.###", CultureInfo.InvariantCulture)))}"));
        }
        var result = new double[width];
        for (var i = 0; i < width; i++)
        {
            var column = runs.Select(x => x[i]).OrderBy(x => x).ToArray();
            result[i] = column[column.Length / 2];
        }
        return result;
    }
}
