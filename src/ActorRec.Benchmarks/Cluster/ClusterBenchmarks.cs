using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ActorRec.Cluster.Sharding;
using ActorRec.Persistence.Testing;

namespace ActorRec.Benchmarks.Cluster;

/// <summary>
/// <c>actorrec bench cluster</c>: real <c>actorrec serve</c> child processes on loopback, one PostgreSQL for
/// membership, shard allocation and the journal.
/// <list type="number">
/// <item>One node (a cluster of one, so requests take the same routed path): register the videos, then a closed loop
/// of <c>Concurrency</c> requests for <c>Seconds</c>: event batches (events/s durable, 202 only), then feeds.</item>
/// <item>The same with <c>Nodes</c> nodes (a fresh cluster name and fresh ids), requests spread over every node, so
/// most are forwarded to the owner of their user.</item>
/// <item>Re-home: <c>Entities × Nodes</c> users get one event each (resident everywhere: passivation is off for the
/// run), the owner of every user's shard is read from <c>/admin/shards</c>, the last node is killed (-9), and the
/// clock runs until every user it held answers <c>GET /v1/users/ID</c> with its event from a survivor (and, in
/// parallel, until the shard map lists none of its shards). The cluster's default failure detection is part of it.
/// With <c>--rehome-entities N</c> exactly N users are written, all on the shards the last node owns, posted to it;
/// the check asks <c>RehomeConcurrency</c> users at once.</item>
/// </list>
/// Every node's PostgreSQL pools are sized by <see cref="NodeConnectionBudget"/> to fit under the server's
/// <c>max_connections</c> together. Set <see cref="LocalClusterNode.LogDirVariable"/> to keep every node's log.
/// A failed request in a timed phase is counted, logged and not part of the figure.
/// </summary>
public static class ClusterBenchmarks
{
    private const int ShardCount = 256;
    private const string Secret = "bench-cluster-secret-0123456789";
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(3);

    /// <param name="options">Validated options.</param>
    /// <param name="command">Runs <c>actorrec</c> (this program); the node arguments are appended.</param>
    /// <param name="log">Progress lines.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<ClusterBenchResult> RunAsync(ClusterBenchOptions options, ProcessStartInfo command, TextWriter log,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(log);
        options.Validate();
        await log.WriteLineAsync("bench cluster: " + options.Describe()).ConfigureAwait(false);
        PostgresServerFixture? server = null;
        try
        {
            var connection = options.Postgres;
            if (connection is null)
            {
                await log.WriteLineAsync("starting a throwaway PostgreSQL server (fsync on)...").ConfigureAwait(false);
                server = await PostgresServerFixture.StartAsync("actorrec_bench_cluster", fsync: true, cancellationToken).ConfigureAwait(false);
                connection = server.ConnectionString;
            }

            // Every node's pools must fit under the server's max_connections together (see NodeConnectionBudget).
            var maxConnections = await NodeConnectionBudget.ServerMaxConnectionsAsync(connection, cancellationToken).ConfigureAwait(false);
            connection = NodeConnectionBudget.ForNode(connection, options.Nodes, maxConnections);
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"PostgreSQL max_connections = {maxConnections}: each node's pools hold at most {new Npgsql.NpgsqlConnectionStringBuilder(connection).MaxPoolSize} connections")).ConfigureAwait(false);
            var adminToken = "bench-" + Guid.NewGuid().ToString("N");
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, ConnectTimeout = TimeSpan.FromSeconds(5) })
            {
                Timeout = TimeSpan.FromSeconds(30),
            };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
            var run = Guid.NewGuid().ToString("N")[..6];
            var env = new BenchEnvironment(command, connection, adminToken, http, log, options, cancellationToken);

            (double Events, double Feeds) one;
            await using (var single = await env.StartClusterAsync($"b1{run}", 1).ConfigureAwait(false))
            {
                one = await env.MeasureAsync(single, "a").ConfigureAwait(false);
            }

            await using var multi = await env.StartClusterAsync($"b{options.Nodes}{run}", options.Nodes).ConfigureAwait(false);
            var many = await env.MeasureAsync(multi, "b").ConfigureAwait(false);
            var rehome = await env.RehomeAsync(multi).ConfigureAwait(false);
            return new ClusterBenchResult(one.Feeds, many.Feeds, one.Events, many.Events, rehome.Entities, rehome.Seconds, rehome.ShardsSeconds,
                rehome.PopulateRate, options.Nodes, options.Seconds, options.Concurrency, LoadAverage(), Environment.ProcessorCount);
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Environment variable holding HOCON appended to every node's config (e.g. a lower
    /// <c>actorrec.sharding.recovery.entities-per-second</c> to exercise the recovery throttle, or a log level).</summary>
    public const string ExtraConfigVariable = "ACTORREC_BENCH_NODE_CONFIG";

    private static string ExtraNodeConfig() =>
        Environment.GetEnvironmentVariable(ExtraConfigVariable) is { Length: > 0 } extra ? "\n" + extra + "\n" : "";

    /// <summary>The 1-minute load average (-1 where /proc/loadavg is absent).</summary>
    public static double LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return -1;
        }
    }

    /// <summary>A running local cluster: its nodes, disposed together.</summary>
    private sealed class LocalCluster(IReadOnlyList<LocalClusterNode> nodes, string[] videos) : IAsyncDisposable
    {
        public IReadOnlyList<LocalClusterNode> Nodes { get; } = nodes;

        public string[] Videos { get; } = videos;

        public async ValueTask DisposeAsync()
        {
            foreach (var node in Nodes)
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private sealed record RehomeResult(int Entities, double Seconds, double ShardsSeconds, double PopulateRate);

    private sealed class BenchEnvironment(ProcessStartInfo command, string connection, string adminToken, HttpClient http, TextWriter log,
        ClusterBenchOptions options, CancellationToken cancellationToken)
    {
        public async Task<LocalCluster> StartClusterAsync(string clusterName, int count)
        {
            var config = $$"""
                actorrec {
                  http.host = "127.0.0.1"
                  cluster { hostname = "127.0.0.1", bind-host = "127.0.0.1", cluster-name = "{{clusterName}}" }
                  persistence { plugin = postgres, postgres.connection-string = "{{connection}}" }
                  sharding { number-of-shards = {{ShardCount}}, passivation.idle-timeout = 0s }
                  feed.entities.passivate-after = 0s
                }
                """ + ExtraNodeConfig();
            await log.WriteLineAsync($"starting {count} node(s) of cluster {clusterName}...").ConfigureAwait(false);
            var nodes = new List<LocalClusterNode>();
            try
            {
                foreach (var task in Enumerable.Range(1, count).Select(i =>
                    LocalClusterNode.StartAsync(command, LocalClusterNode.NameOf(clusterName, i), connection, config, Secret, adminToken, Guard)).ToList())
                {
                    nodes.Add(await task.ConfigureAwait(false));
                }

                foreach (var node in nodes)
                {
                    await node.WaitReadyAsync(http, Guard).ConfigureAwait(false);
                }
            }
            catch
            {
                foreach (var node in nodes)
                {
                    await node.DisposeAsync().ConfigureAwait(false);
                }

                throw;
            }

            var prefix = "v" + clusterName;
            var videos = Enumerable.Range(0, options.Videos).Select(i => prefix + "-" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            var cluster = new LocalCluster(nodes, videos);
            await RegisterVideosAsync(cluster).ConfigureAwait(false);
            return cluster;
        }

        /// <summary>Events/s, then feeds/s, each a closed loop of <c>Concurrency</c> requests over every node.</summary>
        public async Task<(double Events, double Feeds)> MeasureAsync(LocalCluster cluster, string userPrefix)
        {
            var users = Enumerable.Range(0, options.Users).Select(i => userPrefix + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            long next = 0;
            var events = await ClosedLoopAsync(cluster, $"{cluster.Nodes.Count} node(s) events", async (node, random) =>
            {
                var batch = new (string Id, string User, string Video)[options.EventBatch];
                for (var i = 0; i < batch.Length; i++)
                {
                    var n = Interlocked.Increment(ref next);
                    batch[i] = ($"{userPrefix}e{n.ToString(CultureInfo.InvariantCulture)}", users[random.Next(users.Length)], cluster.Videos[random.Next(cluster.Videos.Length)]);
                }

                return await PostEventsAsync(node, batch).ConfigureAwait(false) ? batch.Length : -1;
            }).ConfigureAwait(false);
            var feeds = await ClosedLoopAsync(cluster, $"{cluster.Nodes.Count} node(s) feeds", async (node, random) =>
            {
                using var response = await http.GetAsync(new Uri(node.Url, "/v1/feed/" + users[random.Next(users.Length)] + "?count=10"), cancellationToken)
                    .ConfigureAwait(false);
                await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                return response.StatusCode == HttpStatusCode.OK ? 1 : -1;
            }).ConfigureAwait(false);
            return (events, feeds);
        }

        /// <summary>Populates, kills the last node, times until every one of its users answers from a survivor.</summary>
        public async Task<RehomeResult> RehomeAsync(LocalCluster cluster)
        {
            var victim = cluster.Nodes[^1];
            var survivors = cluster.Nodes.Take(cluster.Nodes.Count - 1).ToArray();
            var resolver = new ShardResolver(ShardCount);
            string[] users;
            LocalClusterNode? target = null;
            if (options.RehomeEntities > 0)
            {
                users = await VictimUsersAsync(survivors[0], victim.Name, resolver, options.RehomeEntities).ConfigureAwait(false);
                target = victim; // local to their owner: no forward while populating
            }
            else
            {
                users = Enumerable.Range(0, checked(options.Entities * cluster.Nodes.Count)).Select(i => "r" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            }

            var total = users.Length;
            await log.WriteLineAsync($"re-home: writing one event for each of {total:N0} users{(target is null ? "" : " (all on " + target.Name + ")")}...").ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            var cursor = -1;
            long written = 0;
            await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(async worker =>
            {
                var node = target ?? cluster.Nodes[worker % cluster.Nodes.Count];
                while (true)
                {
                    var start = Interlocked.Add(ref cursor, ClusterBenchOptions.PopulateBatch) - ClusterBenchOptions.PopulateBatch + 1;
                    if (start >= users.Length)
                    {
                        return;
                    }

                    var batch = users[start..Math.Min(users.Length, start + ClusterBenchOptions.PopulateBatch)]
                        .Select((u, i) => ("p" + u, u, cluster.Videos[(start + i) % cluster.Videos.Length])).ToArray();
                    string? last = null;
                    await RetryAsync(async () => (last = await TryPostEventsAsync(node, batch).ConfigureAwait(false)) is null,
                        () => $"populate batch at {start} (last: {last})").ConfigureAwait(false);
                    var now = Interlocked.Add(ref written, batch.Length);
                    if (now / 10_000 != (now - batch.Length) / 10_000)
                    {
                        lock (log)
                        {
                            log.WriteLine($"  {now:N0} users written after {clock.Elapsed.TotalSeconds:0}s");
                        }
                    }
                }
            })).ConfigureAwait(false);
            var populateRate = total / clock.Elapsed.TotalSeconds;
            await log.WriteLineAsync($"  {populateRate:N0} events/s").ConfigureAwait(false);

            var owners = await ShardOwnersAsync(survivors[0]).ConfigureAwait(false);
            var victimUsers = users.Where(u => owners.TryGetValue(resolver.ShardOf(u), out var owner) && owner == victim.Name).ToArray();
            await log.WriteLineAsync($"re-home: kill -9 {victim.Name}, which owns {owners.Values.Count(o => o == victim.Name)} user shards and {victimUsers.Length:N0} of the users").ConfigureAwait(false);

            clock.Restart();
            victim.Kill();
            var shardsGone = Task.Run(async () =>
            {
                using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
                while (await ticks.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                {
                    try
                    {
                        if (!(await ShardOwnersAsync(survivors[0]).ConfigureAwait(false)).ContainsValue(victim.Name))
                        {
                            return clock.Elapsed.TotalSeconds;
                        }
                    }
                    catch (Exception error) when (error is HttpRequestException or TaskCanceledException or JsonException)
                    {
                        // Busy while it re-homes: ask again.
                    }
                }

                return double.NaN;
            }, cancellationToken);
            var pending = new System.Collections.Concurrent.ConcurrentQueue<string>(victimUsers);
            await Task.WhenAll(Enumerable.Range(0, options.RehomeConcurrency).Select(async worker =>
            {
                var node = survivors[worker % survivors.Length];
                using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
                while (pending.TryDequeue(out var user))
                {
                    if (clock.Elapsed > Guard)
                    {
                        throw new TimeoutException($"re-home: {user} and {pending.Count} more users did not answer within {Guard.TotalSeconds:0}s\n{node.Tail()}");
                    }

                    if (!await AnswersAsync(node, user).ConfigureAwait(false))
                    {
                        pending.Enqueue(user);
                        await ticks.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
                    }
                }
            })).ConfigureAwait(false);
            var seconds = clock.Elapsed.TotalSeconds;
            var shardsSeconds = await shardsGone.WaitAsync(Guard, cancellationToken).ConfigureAwait(false);
            await log.WriteLineAsync($"  shards re-homed after {shardsSeconds:0.0}s, every entity answered after {seconds:0.0}s").ConfigureAwait(false);
            return new RehomeResult(victimUsers.Length, seconds, shardsSeconds, populateRate);
        }

        /// <summary>
        /// <paramref name="count"/> user ids (<c>r0</c>, <c>r1</c>, ... skipping others) whose shards <paramref name="victim"/>
        /// owns now (shards without an owner yet are skipped).
        /// </summary>
        private async Task<string[]> VictimUsersAsync(LocalClusterNode survivor, string victim, ShardResolver resolver, int count)
        {
            var owners = await ShardOwnersAsync(survivor).ConfigureAwait(false);
            if (!owners.ContainsValue(victim))
            {
                throw new InvalidOperationException($"re-home: node {victim} owns no user shard; nothing to re-home");
            }

            var users = new List<string>(count);
            for (var i = 0L; users.Count < count; i++)
            {
                var id = "r" + i.ToString(CultureInfo.InvariantCulture);
                if (owners.TryGetValue(resolver.ShardOf(id), out var owner) && owner == victim)
                {
                    users.Add(id);
                }
            }

            return [.. users];
        }

        private async Task<bool> AnswersAsync(LocalClusterNode node, string user)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(node.Url, "/v1/users/" + user), cancellationToken).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return false;
                }

                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                return json.RootElement.GetProperty("eventCount").GetInt64() >= 1;
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }

        private async Task<Dictionary<int, string>> ShardOwnersAsync(LocalClusterNode node)
        {
            using var response = await http.GetAsync(new Uri(node.Url, "/admin/shards?type=user"), cancellationToken).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"GET /admin/shards on {node.Name}: {(int)response.StatusCode} {text}");
            }

            using var json = JsonDocument.Parse(text);
            var owners = new Dictionary<int, string>();
            foreach (var row in json.RootElement.GetProperty("shards").EnumerateArray())
            {
                if (row.TryGetProperty("node", out var owner) && owner.ValueKind == JsonValueKind.String)
                {
                    owners[row.GetProperty("shard").GetInt32()] = owner.GetString()!;
                }
            }

            return owners;
        }

        private async Task RegisterVideosAsync(LocalCluster cluster)
        {
            var cursor = -1;
            await Task.WhenAll(Enumerable.Range(0, Math.Min(options.Concurrency, 8)).Select(async worker =>
            {
                int i;
                while ((i = Interlocked.Increment(ref cursor)) < cluster.Videos.Length)
                {
                    var node = cluster.Nodes[i % cluster.Nodes.Count];
                    var body = $$"""{"creatorId":"c{{i % 50}}","durationMs":{{8000 + i % 20 * 1000}},"hashtags":["t{{i % 17}}","t{{i % 5}}"],"caption":"video {{i}}","soundId":"s{{i % 13}}","region":"US"}""";
                    await RetryAsync(async () =>
                    {
                        using var content = new StringContent(body, Encoding.UTF8, "application/json");
                        using var response = await http.PutAsync(new Uri(node.Url, "/v1/videos/" + cluster.Videos[i]), content, cancellationToken).ConfigureAwait(false);
                        return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created;
                    }, "PUT " + cluster.Videos[i]).ConfigureAwait(false);
                }
            })).ConfigureAwait(false);

            // Every node must know every video (read copies arrive asynchronously) before events name them.
            var probe = 0;
            foreach (var node in cluster.Nodes)
            {
                foreach (var video in new[] { cluster.Videos[0], cluster.Videos[^1] })
                {
                    var id = $"probe-{node.Name}-{probe++.ToString(CultureInfo.InvariantCulture)}";
                    await RetryAsync(() => PostEventsAsync(node, [(id, "probe-user", video)]), $"{node.Name} knows {video}").ConfigureAwait(false);
                }
            }

            await log.WriteLineAsync($"  {cluster.Videos.Length} videos registered and known by every node").ConfigureAwait(false);
        }

        private async Task<bool> PostEventsAsync(LocalClusterNode node, (string Id, string User, string Video)[] batch) =>
            await TryPostEventsAsync(node, batch).ConfigureAwait(false) is null;

        /// <summary>POSTs the batch; null when it was acknowledged (202), else what went wrong.</summary>
        private async Task<string?> TryPostEventsAsync(LocalClusterNode node, (string Id, string User, string Video)[] batch)
        {
            var sb = new StringBuilder("{\"events\":[");
            var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
            for (var i = 0; i < batch.Length; i++)
            {
                var (id, user, video) = batch[i];
                sb.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                    $$"""{"id":"{{id}}","type":"view","userId":"{{user}}","videoId":"{{video}}","timestamp":"{{now}}","watchMs":{{3000 + i * 97 % 9000}},"durationMs":12000,"region":"US","device":"ios"}""");
            }

            using var content = new StringContent(sb.Append("]}").ToString(), Encoding.UTF8, "application/json");
            try
            {
                using var response = await http.PostAsync(new Uri(node.Url, "/v1/events"), content, cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    return null;
                }

                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                return $"{node.Name}: {(int)response.StatusCode} {(text.Length > 300 ? text[..300] : text)}";
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return $"{node.Name}: {error.GetType().Name} {error.Message}";
            }
        }

        /// <summary>Retries <paramref name="attempt"/> every 100 ms until it returns true or the guard passes.</summary>
        private Task RetryAsync(Func<Task<bool>> attempt, string what) => RetryAsync(attempt, () => what);

        private async Task RetryAsync(Func<Task<bool>> attempt, Func<string> what)
        {
            var clock = Stopwatch.StartNew();
            using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            while (!await attempt().ConfigureAwait(false))
            {
                if (clock.Elapsed > Guard)
                {
                    throw new TimeoutException($"{what()}: no success within {Guard.TotalSeconds:0}s");
                }

                await ticks.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// <c>Concurrency</c> workers, each one request at a time to its node (workers spread over the nodes), for
        /// <c>Seconds</c>; <paramref name="request"/> returns the units done (events, feeds) or -1 for a failure.
        /// A short warm-up (a tenth of the time, at most 3 s) runs first and is not counted.
        /// </summary>
        private async Task<double> ClosedLoopAsync(LocalCluster cluster, string what, Func<LocalClusterNode, Random, Task<int>> request)
        {
            var warmUp = TimeSpan.FromSeconds(Math.Min(3, options.Seconds / 10));
            var measure = TimeSpan.FromSeconds(options.Seconds);
            long done = 0;
            long failed = 0;
            var clock = Stopwatch.StartNew();
            var counting = false;
            var measured = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, options.Concurrency).Select(worker => Task.Run(async () =>
            {
                var random = new Random(worker);
                var node = cluster.Nodes[worker % cluster.Nodes.Count];
                while (clock.Elapsed < warmUp + measure)
                {
                    var units = await request(node, random).ConfigureAwait(false);
                    if (Volatile.Read(ref counting))
                    {
                        if (units < 0)
                        {
                            Interlocked.Increment(ref failed);
                        }
                        else
                        {
                            Interlocked.Add(ref done, units);
                        }
                    }
                }
            }, cancellationToken)).ToArray();
            using (var ticks = new PeriodicTimer(warmUp > TimeSpan.Zero ? warmUp : TimeSpan.FromMilliseconds(1)))
            {
                await ticks.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
            }

            Interlocked.Exchange(ref done, 0);
            Interlocked.Exchange(ref failed, 0);
            measured.Restart();
            Volatile.Write(ref counting, true);
            await Task.WhenAll(workers).ConfigureAwait(false);
            var seconds = measured.Elapsed.TotalSeconds;
            var rate = Interlocked.Read(ref done) / seconds;
            await log.WriteLineAsync($"  {what}: {rate:N0}/s ({Interlocked.Read(ref failed)} failed requests not counted)").ConfigureAwait(false);
            return rate;
        }
    }
}
