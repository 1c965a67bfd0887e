using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using ActorRec.Cluster.Tests.Support;

namespace ActorRec.Cluster.Tests.MultiProcess.Scenarios;

/// <summary>Settings of a scenario's cluster and load.</summary>
/// <param name="Users">Distinct users the load writes to and reads feeds of.</param>
/// <param name="Videos">Videos registered before the load starts.</param>
/// <param name="NumberOfShards"><c>actorrec.sharding.number-of-shards</c> (small, so moves are quick and every shard matters).</param>
/// <param name="Timings">Cluster timings HOCON (<see cref="MultiProcessCluster.FastTimings"/>; empty = the product defaults).</param>
/// <param name="ExtraConfig">More HOCON for every node.</param>
/// <param name="Load">The load's shape.</param>
/// <param name="ShardingDefaults">Leave <c>actorrec.sharding</c> at the product defaults (then <paramref name="NumberOfShards"/>
/// must be the default, 256); otherwise the scenario sets the shard count and a 2 s rebalance interval.</param>
public sealed record ScenarioOptions(
    int Users = 40,
    int Videos = 12,
    int NumberOfShards = 24,
    string Timings = MultiProcessCluster.FastTimings,
    string ExtraConfig = "",
    LoadOptions? Load = null,
    bool ShardingDefaults = false);

/// <summary>
/// One scenario of issue 8 from start to verdict: a <see cref="MultiProcessCluster"/> whose nodes share one PostgreSQL
/// database for membership, shard allocation <b>and</b> the journal; a catalog registered and seen by every node; a
/// <see cref="ScenarioLoad"/> writing to an <see cref="EventLedger"/>; a <see cref="ShardMapSampler"/>; and
/// <see cref="QuiesceAndVerifyAsync"/>, which stops the load and returns every violation. Requests go to the nodes
/// marked serving (<see cref="Serve"/>) that have not exited, as a load balancer would route them.
/// </summary>
public sealed class ScenarioRun : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<NodeProcess> _serving = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly StringBuilder _timeline = new();

    private ScenarioRun(MultiProcessCluster cluster, ScenarioOptions options, bool sharded, IReadOnlySet<string> nodeNames)
    {
        Cluster = cluster;
        Options = options;
        Sharded = sharded;
        Users = [.. Enumerable.Range(0, options.Users).Select(i => "u-" + i.ToString(CultureInfo.InvariantCulture))];
        Videos = [.. Enumerable.Range(0, options.Videos).Select(i => "v-" + i.ToString(CultureInfo.InvariantCulture))];
        Load = new ScenarioLoad(Targets, Users, Videos, Ledger, options.Load);
        Shards = new ShardMapSampler(Targets, options.NumberOfShards,
            new Dictionary<string, IReadOnlyList<string>> { ["user"] = Users, ["video"] = Videos }, nodeNames, MultiProcessCluster.AdminToken);
    }

    public MultiProcessCluster Cluster { get; }

    public ScenarioOptions Options { get; }

    /// <summary>Whether the nodes shard their entities (journal writes must then carry epochs).</summary>
    public bool Sharded { get; }

    public IReadOnlyList<string> Users { get; }

    public IReadOnlyList<string> Videos { get; }

    public EventLedger Ledger { get; } = new();

    public ScenarioLoad Load { get; }

    public ShardMapSampler Shards { get; }

    /// <summary>Time since the scenario started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>
    /// Starts <paramref name="nodes"/> (sharded: every one serving), registers the catalog and waits until every node
    /// accepts an event for every video. Does not start the load.
    /// </summary>
    public static async Task<ScenarioRun> StartAsync(PostgresServer postgres, string database, ScenarioOptions options, IReadOnlyList<string> nodes,
        IReadOnlyList<string>? laterNodes = null, bool sharded = true)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        var connection = await postgres.CreateDatabaseAsync(database).ConfigureAwait(false);
        var cluster = new MultiProcessCluster(connection, options.Timings);
        var run = new ScenarioRun(cluster, options, sharded, new HashSet<string>(nodes.Concat(laterNodes ?? []), StringComparer.Ordinal));
        try
        {
            var started = await Task.WhenAll(nodes.Select(n => run.StartNodeAsync(n))).ConfigureAwait(false);
            await Task.WhenAll(started.Select(n => n.WaitReadyAsync(MultiProcessCluster.Guard))).ConfigureAwait(false);
            foreach (var node in started)
            {
                run.Serve(node);
            }

            run.Mark($"{nodes.Count} nodes ready");
            await run.RegisterCatalogAsync().ConfigureAwait(false);
            run.Mark("catalog registered and seen by every node");
            return run;
        }
        catch
        {
            await run.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>HOCON every node of the scenario gets: the shared PostgreSQL journal, the shard count and rebalance interval.</summary>
    public string NodeConfig => $$"""
        actorrec.persistence {
          plugin = postgres
          postgres.connection-string = "{{Cluster.ConnectionString}}"
        }
        {{(Options.ShardingDefaults ? "" : $"actorrec.sharding {{ number-of-shards = {Options.NumberOfShards}, rebalance-interval = 2s }}")}}
        {{Options.ExtraConfig}}
        """;

    /// <summary>Starts one more node with the scenario's config (not yet serving; see <see cref="AddNodeAsync"/>).</summary>
    public Task<NodeProcess> StartNodeAsync(string name) => Cluster.StartNodeAsync(name, extraConfig: NodeConfig);

    /// <summary>Starts a node, waits until it is ready and routes requests to it.</summary>
    public async Task<NodeProcess> AddNodeAsync(string name)
    {
        var node = await StartNodeAsync(name).ConfigureAwait(false);
        await node.WaitReadyAsync(MultiProcessCluster.Guard).ConfigureAwait(false);
        Serve(node);
        Mark($"{name} ready and serving");
        return node;
    }

    public void Serve(NodeProcess node)
    {
        lock (_gate)
        {
            _serving.Add(node);
        }
    }

    public void Unserve(NodeProcess node)
    {
        lock (_gate)
        {
            _serving.Remove(node);
        }
    }

    /// <summary>Base addresses of the serving nodes that are still running.</summary>
    public IReadOnlyList<Uri> Targets()
    {
        lock (_gate)
        {
            return [.. _serving.Where(n => !n.HasExited).Select(n => n.Url)];
        }
    }

    /// <summary>Names of the serving nodes still running.</summary>
    public IReadOnlySet<string> ServingNames()
    {
        lock (_gate)
        {
            return _serving.Where(n => !n.HasExited).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>Starts the load and the shard map sampler; returns when <paramref name="events"/> events are acknowledged.</summary>
    public async Task StartLoadAsync(int events)
    {
        Load.Start();
        if (Sharded)
        {
            Shards.Start();
        }

        await Load.WaitAcknowledgedAsync(events, MultiProcessCluster.Guard).ConfigureAwait(false);
        Mark($"load flowing: {Ledger.AcknowledgedCount} events acknowledged");
    }

    /// <summary>Lets the load run until <paramref name="more"/> more events are acknowledged.</summary>
    public async Task LoadMoreAsync(int more)
    {
        await Load.WaitAcknowledgedAsync(Ledger.AcknowledgedCount + more, MultiProcessCluster.Guard).ConfigureAwait(false);
    }

    /// <summary>Stops the load (pending requests finish), then runs every verifier; returns the violations.</summary>
    public async Task<IReadOnlyList<string>> QuiesceAndVerifyAsync()
    {
        await Load.StopAsync().ConfigureAwait(false);
        Mark($"quiesced: {Ledger.AcknowledgedCount} acknowledged, {Ledger.InDoubtCount} in doubt");
        var violations = new List<string>();
        if (Load.Events.GaveUp > 0 || Load.Events.Rejected > 0)
        {
            violations.Add("events: " + Load.Events);
        }

        if (Load.Feeds.GaveUp > 0 || Load.Feeds.Rejected > 0)
        {
            violations.Add("feeds: " + Load.Feeds);
        }

        violations.AddRange(await ScenarioVerifier.VerifyAsync(Cluster.ConnectionString, Targets, Ledger, Users, Videos, Sharded, Sharded ? Shards : null)
            .ConfigureAwait(false));
        Mark($"verified: {violations.Count} violations");
        return violations;
    }

    /// <summary>Records a step with its time since the start (shown in <see cref="Report"/>).</summary>
    public void Mark(string what)
    {
        lock (_gate)
        {
            _timeline.Append(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {what}\n");
        }
    }

    /// <summary>Timeline, load statistics and node log tails, for assertion messages and the test output.</summary>
    public string Report(bool logs = false)
    {
        lock (_gate)
        {
            return _timeline + Load.Events.ToString() + "\n" + Load.Feeds + $"\nshard map samples: {Shards.Samples}" + (logs ? "\n" + Cluster.Logs() : "");
        }
    }

    /// <summary>Fails with every violation, the timeline and the logs; passes on none.</summary>
    public void AssertClean(IReadOnlyList<string> violations)
    {
        ArgumentNullException.ThrowIfNull(violations);
        // The violations come first and again last: a CI log that keeps only the tail of the output still shows them.
        var list = $"{violations.Count} violations:\n  {string.Join("\n  ", violations.Take(40))}";
        Assert.True(violations.Count == 0, $"{list}\n{Report(logs: true)}\n{list}");
    }

    public async ValueTask DisposeAsync()
    {
        await Load.DisposeAsync().ConfigureAwait(false);
        await Shards.DisposeAsync().ConfigureAwait(false);
        await Cluster.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>PUT every video once, then, through every node, one acknowledged event per video (recorded in the ledger).</summary>
    private async Task RegisterCatalogAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var nodes = Targets();
        for (var i = 0; i < Videos.Count; i++)
        {
            var video = Videos[i];
            var body = $$"""{"creatorId":"c{{i % 4}}","durationMs":15000,"hashtags":["t{{i % 3}}"],"caption":"video {{i}}","soundId":"s{{i % 2}}","region":"US"}""";
            var lastAnswer = "no answer yet";
            await Poll.UntilAsync(async () =>
            {
                using var content = new StringContent(body, Encoding.UTF8, "application/json");
                using var response = await http.PutAsync(new Uri(nodes[i % nodes.Count], "/v1/videos/" + video), content).ConfigureAwait(false);
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created)
                {
                    return true;
                }

                lastAnswer = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}";
                return false;
            }, MultiProcessCluster.Guard, $"PUT {video} through {nodes[i % nodes.Count]}", () => "last answer: " + lastAnswer).ConfigureAwait(false);
        }

        // Read copies reach every node asynchronously: an event naming a video is valid on a node once it knows it.
        var n = 0;
        foreach (var node in nodes)
        {
            foreach (var video in Videos)
            {
                var e = new SentEvent($"warm-{n++.ToString(CultureInfo.InvariantCulture)}", Users[n % Users.Count], video);
                var lastAnswer = "no answer yet";
                await Poll.UntilAsync(async () =>
                {
                    var json = $$"""{"events":[{"id":"{{e.Id}}","type":"view","userId":"{{e.UserId}}","videoId":"{{video}}","timestamp":"{{DateTimeOffset.UtcNow:O}}","watchMs":5000,"durationMs":15000}]}""";
                    using var content = new StringContent(json, Encoding.UTF8, "application/json");
                    HttpResponseMessage response;
                    try
                    {
                        response = await http.PostAsync(new Uri(node, "/v1/events"), content).ConfigureAwait(false);
                    }
                    catch
                    {
                        Ledger.MarkInDoubt([e]);
                        throw;
                    }

                    using (response)
                    {
                        if (response.StatusCode == HttpStatusCode.Accepted)
                        {
                            Ledger.Acknowledge([e]);
                            return true;
                        }

                        if ((int)response.StatusCode >= 500)
                        {
                            Ledger.MarkInDoubt([e]);
                        }

                        lastAnswer = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}";
                        return false;
                    }
                }, MultiProcessCluster.Guard, $"{node} accepts an event for {video}", () => "last answer: " + lastAnswer).ConfigureAwait(false);
            }
        }
    }
}
