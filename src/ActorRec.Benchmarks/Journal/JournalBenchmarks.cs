using System.Diagnostics;
using ActorRec.Actors;
using ActorRec.Persistence;
using ActorRec.Persistence.Actors;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Serialization;
using ActorRec.Persistence.Testing;

namespace ActorRec.Benchmarks.Journal;

/// <summary>
/// Macro benchmark behind <c>actorrec bench journal</c>: real persistent actors on the real journal (group commit,
/// durable commits: SQLite synchronous=FULL, PostgreSQL fsync on). Phases with 1, 100 and 10,000 actors persisting
/// concurrently (one write in flight per actor), then recovery of a separate data set by persistent actors.
/// Start-up (actor creation + empty recovery) is outside the timed part. A persistent actor whose recovery or write fails
/// fails the run at once with <see cref="JournalBenchFailedException"/> (never a hang waiting for a stopped actor).
/// </summary>
public static class JournalBenchmarks
{
    private static readonly int[] ActorCounts = [1, 100, 10_000];

    public static JournalBenchResult Run(JournalBenchOptions options) => RunAsync(options).GetAwaiter().GetResult();

    public static async Task<JournalBenchResult> RunAsync(JournalBenchOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        PostgresServerFixture? server = null;
        string? tempDir = null;
        try
        {
            PersistenceSettings settings;
            if (options.Store == "postgres")
            {
                string? conn = options.PostgresConnectionString;
                if (conn is null)
                {
                    options.Log?.Invoke("starting a throwaway PostgreSQL server (fsync on)...");
                    server = await PostgresServerFixture.StartAsync("actorrec_bench", fsync: true, cancellationToken).ConfigureAwait(false);
                    conn = server.ConnectionString;
                }

                settings = PersistenceSettings.Create(plugin: "postgres", connectionString: conn, snapshotEvery: 0);
            }
            else
            {
                string dir = options.DataDir ?? (tempDir = Path.Combine(Path.GetTempPath(), "actorrec-bench-" + Guid.NewGuid().ToString("N")[..8]));
                settings = PersistenceSettings.Create(plugin: "sqlite", dataDir: dir, snapshotEvery: 0);
            }

            EventSerializerRegistry registry = Registry();
            string run = DateTime.UtcNow.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture);
            var phases = new List<PersistPhaseResult>();
            await using (PersistenceRuntime runtime = options.OpenRuntime?.Invoke(settings, registry) ?? PersistenceRuntime.Open(settings, registry))
            {
                foreach (int actors in ActorCounts)
                {
                    int each = options.Scaled(actors switch
                    {
                        1 => options.EventsPerActorAt1,
                        100 => options.EventsPerActorAt100,
                        _ => options.EventsPerActorAt10000,
                    });
                    PersistPhaseResult phase = await PersistPhaseAsync(runtime, $"bench-{run}-{actors}-", actors, each, options.PayloadBytes)
                        .ConfigureAwait(false);
                    options.Log?.Invoke($"{actors} actors: {phase.EventsPerSecond:F0} events/s, p50 {phase.P50Ms:F2} ms, p99 {phase.P99Ms:F2} ms");
                    phases.Add(phase);
                }

                (long events, double seconds, double cpu) = await RecoveryPhaseAsync(runtime, $"bench-{run}-recovery-", options).ConfigureAwait(false);
                options.Log?.Invoke($"recovery: {events / seconds:F0} events/s");
                return new JournalBenchResult(options.Store, phases, events, seconds, events / seconds, cpu);
            }
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            if (tempDir is not null && Directory.Exists(tempDir))
            {
                Directory.Delete(tempDir, recursive: true);
            }
        }
    }

    private static EventSerializerRegistry Registry() => new EventSerializerRegistry()
        .Register<BenchEvent>("bench.event", 1, static (w, e) =>
        {
            w.Write(e.Value);
            w.Write(e.Body.Length);
            w.Write(e.Body);
        }, static r =>
        {
            long value = r.ReadInt64();
            return new BenchEvent(value, r.ReadBytes(r.ReadInt32()));
        });

    private static async Task<PersistPhaseResult> PersistPhaseAsync(PersistenceRuntime runtime, string prefix, int actors, int eventsEach, int payloadBytes)
    {
        await using ActorSystem system = ActorSystem.Create("journal-bench");
        var ready = new BenchLatch(actors);
        var created = new List<BenchPersistentActor>(actors);
        var refs = new IActorRef[actors];
        for (int i = 0; i < actors; i++)
        {
            refs[i] = system.ActorOf(BenchPersistentActor.Props(runtime, prefix + i, ready, payloadBytes, created));
        }

        await ready.Done.ConfigureAwait(false);
        var done = new BenchLatch(actors);
        long commitsBefore = (runtime.Journal as JournalBase)?.CommitCount ?? 0;
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        foreach (IActorRef actor in refs)
        {
            actor.Tell(new StartPersisting(eventsEach, done));
        }

        await done.Done.ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        long commits = ((runtime.Journal as JournalBase)?.CommitCount ?? 0) - commitsBefore;
        long total = (long)actors * eventsEach;
        var all = new double[total];
        int k = 0;
        foreach (BenchPersistentActor actor in created)
        {
            actor.LatenciesMs.CopyTo(all, k);
            k += actor.LatenciesMs.Length;
        }

        Array.Sort(all);
        return new PersistPhaseResult(actors, total, seconds, total / seconds, Percentile(all, 0.50), Percentile(all, 0.99), commits, cpu);
    }

    private static async Task<(long Events, double Seconds, double CpuSeconds)> RecoveryPhaseAsync(PersistenceRuntime runtime, string prefix, JournalBenchOptions options)
    {
        int actors = options.RecoveryActors;
        int each = options.Scaled(options.RecoveryEventsPerActor);
        byte[] body = new byte[options.PayloadBytes];
        const int chunk = 1000;
        for (int a = 0; a < actors; a++)
        {
            var writes = new List<AtomicWrite>();
            for (int from = 1; from <= each; from += chunk)
            {
                int n = Math.Min(chunk, each - from + 1);
                var events = new PersistentRepr[n];
                for (int i = 0; i < n; i++)
                {
                    SerializedPayload p = runtime.Registry.Serialize(new BenchEvent(from + i, body));
                    events[i] = new PersistentRepr(prefix + a, from + i, p.Manifest, p.Version, p.Bytes, 0);
                }

                writes.Add(new AtomicWrite(events));
            }

            foreach (Exception? error in await runtime.Journal.WriteBatchAsync(writes).ConfigureAwait(false))
            {
                if (error is not null)
                {
                    throw new InvalidOperationException("Writing the recovery data set failed.", error);
                }
            }
        }

        await using ActorSystem system = ActorSystem.Create("journal-bench-recovery");
        var recovered = new BenchLatch(actors);
        var created = new List<BenchPersistentActor>(actors);
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (int a = 0; a < actors; a++)
        {
            system.ActorOf(BenchPersistentActor.Props(runtime, prefix + a, recovered, options.PayloadBytes, created));
        }

        await recovered.Done.ConfigureAwait(false);
        return ((long)actors * each, clock.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds);
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(q * sorted.Length))];
}
