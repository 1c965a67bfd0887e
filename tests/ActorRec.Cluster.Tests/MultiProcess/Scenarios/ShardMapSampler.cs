using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using ActorRec.Cluster.Sharding;

namespace ActorRec.Cluster.Tests.MultiProcess.Scenarios;

/// <summary>
/// Samples <c>GET /admin/shards</c> (every type) through a random serving node while a scenario runs, and audits
/// every sample (<see cref="ScenarioAudits.AuditShardMap"/>) and each sample against the last one that completed
/// before it started (<see cref="ScenarioAudits.AuditEpochsGrow"/>: samples that overlap in time have no order); the scenario reads <see cref="Violations"/> at the end and waits
/// on shard map conditions with <see cref="WaitForAsync"/>. Entity ids map to shards with the product's own
/// <see cref="ShardResolver"/> and the shard count the scenario configured.
/// </summary>
public sealed class ShardMapSampler : IAsyncDisposable
{
    private readonly Func<IReadOnlyList<Uri>> _targets;
    private readonly IReadOnlySet<string> _nodes;
    private readonly Dictionary<(string, int), int> _touched = [];
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly HashSet<(string Type, int Shard, long Epoch)> _excess = [];
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Random _random = new(5);
    private readonly Lock _gate = new();
    private Task _loop = Task.CompletedTask;
    private IReadOnlyList<ShardRow>? _previous;

    /// <param name="targets">Nodes to ask (those serving now).</param>
    /// <param name="numberOfShards">The <c>actorrec.sharding.number-of-shards</c> the nodes run with.</param>
    /// <param name="touched">Every entity id the scenario uses, per type ("user", "video").</param>
    /// <param name="nodes">Every node name the scenario may start.</param>
    /// <param name="adminToken">Bearer token of the admin API.</param>
    public ShardMapSampler(Func<IReadOnlyList<Uri>> targets, int numberOfShards, IReadOnlyDictionary<string, IReadOnlyList<string>> touched,
        IReadOnlySet<string> nodes, string adminToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(touched);
        _targets = targets;
        _nodes = nodes;
        Resolver = new ShardResolver(numberOfShards);
        foreach (var (type, ids) in touched)
        {
            foreach (var id in ids.Distinct(StringComparer.Ordinal))
            {
                var key = (type, Resolver.ShardOf(id));
                _touched[key] = _touched.GetValueOrDefault(key) + 1;
            }
        }

        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
    }

    public ShardResolver Resolver { get; }

    /// <summary>Samples audited so far.</summary>
    public int Samples { get; private set; }

    public IReadOnlyList<string> Violations => [.. _violations];

    public void Start() => _loop = Task.Run(async () =>
    {
        using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        while (await ticks.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            try
            {
                await SampleAsync().ConfigureAwait(false);
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException or JsonException or IOException)
            {
                // A node going away mid-request: the next tick asks another one.
            }
        }
    });

    /// <summary>Takes and audits one sample now (through a random serving node).</summary>
    public async Task<IReadOnlyList<ShardRow>> SampleAsync()
    {
        var nodes = _targets();
        if (nodes.Count == 0)
        {
            throw new HttpRequestException("no node serving");
        }

        // The baseline is the last sample that completed before this one started: its coordinator read certainly came
        // before ours. Samples overlap (the periodic loop and WaitForAsync, and one map can take seconds while it asks
        // every region for counts), so the previous sample to *complete* may hold an older read than this one holds.
        IReadOnlyList<ShardRow>? baseline;
        lock (_gate)
        {
            baseline = _previous;
        }

        var rows = await FetchAsync(nodes[_random.Next(nodes.Count)]).ConfigureAwait(false);
        lock (_gate)
        {
            foreach (var v in ScenarioAudits.AuditShardMap(rows, (type, shard) => _touched.TryGetValue((type, shard), out var n) ? n : type is "user" or "video" ? 0 : int.MaxValue, _nodes, _excess))
            {
                _violations.Enqueue(v);
            }

            if (baseline is not null)
            {
                foreach (var v in ScenarioAudits.AuditEpochsGrow(baseline, rows))
                {
                    _violations.Enqueue(v);
                }
            }

            _previous = rows;
            Samples++;
        }

        return rows;
    }

    /// <summary>Samples until <paramref name="condition"/> holds on a sample; returns that sample.</summary>
    public async Task<IReadOnlyList<ShardRow>> WaitForAsync(Func<IReadOnlyList<ShardRow>, bool> condition, TimeSpan guard, string what)
    {
        IReadOnlyList<ShardRow>? last = null;
        await Poll.UntilAsync(async () =>
        {
            last = await SampleAsync().ConfigureAwait(false);
            return condition(last);
        }, guard, $"{what} (last shard map: {Describe(last)})").ConfigureAwait(false);
        return last!;
    }

    /// <summary>The current epoch of every (type, shard), from a fresh sample.</summary>
    public async Task<IReadOnlyDictionary<(string, int), long>> CurrentEpochsAsync()
    {
        var rows = await WaitForAsync(_ => true, MultiProcessCluster.Guard, "a shard map").ConfigureAwait(false);
        return rows.ToDictionary(r => (r.Type, r.Shard), r => r.Epoch);
    }

    /// <summary>Shards per node and resident entities of each type, e.g. "user: a=11 b=11 c=10, 40 resident".</summary>
    public static string Describe(IReadOnlyList<ShardRow>? rows) => rows is null ? "none yet"
        : string.Join("; ", rows.GroupBy(r => r.Type).Select(g =>
            g.Key + ": " + string.Join(" ", g.GroupBy(r => r.Node ?? "-").OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => $"{n.Key}={n.Count()}"))
            + (g.Any(r => r.Status != "allocated") ? $" ({g.Count(r => r.Status != "allocated")} not allocated)" : "")
            + $", {g.Sum(r => r.Entities)} resident"));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _http.Dispose();
        _stop.Dispose();
    }

    private async Task<IReadOnlyList<ShardRow>> FetchAsync(Uri node)
    {
        using var response = await _http.GetAsync(new Uri(node, "/admin/shards")).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {node}admin/shards → {(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
        var rows = new List<ShardRow>();
        foreach (var shard in json.RootElement.GetProperty("shards").EnumerateArray())
        {
            rows.Add(new ShardRow(
                shard.GetProperty("type").GetString() ?? "",
                shard.GetProperty("shard").GetInt32(),
                shard.TryGetProperty("node", out var owner) && owner.ValueKind == JsonValueKind.String ? owner.GetString() : null,
                shard.GetProperty("entities").GetInt32(),
                shard.TryGetProperty("epoch", out var epoch) ? epoch.GetInt64() : 0,
                shard.TryGetProperty("status", out var status) ? status.GetString() ?? "" : ""));
        }

        return rows;
    }
}
