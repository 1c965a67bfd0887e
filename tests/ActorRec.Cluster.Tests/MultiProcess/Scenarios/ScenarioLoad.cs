using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace ActorRec.Cluster.Tests.MultiProcess.Scenarios;

/// <summary>Shape of the load a scenario runs.</summary>
/// <param name="EventWorkers">Concurrent event senders (each one request at a time).</param>
/// <param name="FeedWorkers">Concurrent feed readers.</param>
/// <param name="Interval">Pace of each worker: one request (or retry) per tick at most.</param>
/// <param name="MaxBatch">Events per batch, 1..MaxBatch, for distinct random users (so batches span owners).</param>
/// <param name="RetryWindow">A request not answered successfully within this time from its first attempt is given up.</param>
/// <param name="RequestTimeout">Per attempt.</param>
/// <param name="Seed">Seed of the workers' random choices.</param>
public sealed record LoadOptions(
    int EventWorkers = 3,
    int FeedWorkers = 2,
    TimeSpan? Interval = null,
    int MaxBatch = 3,
    TimeSpan? RetryWindow = null,
    TimeSpan? RequestTimeout = null,
    int Seed = 7)
{
    public TimeSpan Pace => Interval ?? TimeSpan.FromMilliseconds(40);

    public TimeSpan Retry => RetryWindow ?? TimeSpan.FromSeconds(40);

    public TimeSpan Timeout => RequestTimeout ?? TimeSpan.FromSeconds(10);
}

/// <summary>
/// The scenarios' client: event workers send batches of events with unique ids through a random node (of those
/// <c>targets</c> returns at that moment) and record every 202 in the <see cref="EventLedger"/>; feed workers ask
/// random users' feeds through random nodes. A failed attempt (no answer, timeout, 5xx) is retried with the same
/// request (the same event ids: the API is idempotent) on the worker's next tick against another random node, until
/// it succeeds or its retry window ends; a 4xx is a rejection and is not retried. <see cref="StopAsync"/> quiesces:
/// no new requests, and pending ones finish (success or give-up) before it returns.
/// </summary>
public sealed class ScenarioLoad : IAsyncDisposable
{
    private static readonly string[] Types = ["view", "view", "view", "like", "skip", "share"];
    private readonly Func<IReadOnlyList<Uri>> _targets;
    private readonly IReadOnlyList<string> _users;
    private readonly IReadOnlyList<string> _videos;
    private readonly EventLedger _ledger;
    private readonly LoadOptions _options;
    private readonly string _runId;
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];
    private long _nextEvent;

    public ScenarioLoad(Func<IReadOnlyList<Uri>> targets, IReadOnlyList<string> users, IReadOnlyList<string> videos, EventLedger ledger,
        LoadOptions? options = null, string? runId = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentOutOfRangeException.ThrowIfZero(users.Count);
        ArgumentOutOfRangeException.ThrowIfZero(videos.Count);
        _targets = targets;
        _users = users;
        _videos = videos;
        _ledger = ledger;
        _options = options ?? new LoadOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxBatch, 1);
        _runId = runId ?? Guid.NewGuid().ToString("N")[..8];
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(3), PooledConnectionLifetime = TimeSpan.FromSeconds(5) })
        {
            Timeout = _options.Timeout,
        };
    }

    public LoadStats Events { get; } = new("event batches");

    public LoadStats Feeds { get; } = new("feeds");

    /// <summary>Events sent so far (each once, however often its batch was retried).</summary>
    public long EventsSent => Interlocked.Read(ref _nextEvent);

    public void Start()
    {
        for (var i = 0; i < _options.EventWorkers; i++)
        {
            var random = new Random(_options.Seed * 1000 + i);
            _workers.Add(Task.Run(() => RunWorkerAsync(random, Events, NextBatch, SendEventsAsync)));
        }

        for (var i = 0; i < _options.FeedWorkers; i++)
        {
            var random = new Random(_options.Seed * 1000 + 500 + i);
            _workers.Add(Task.Run(() => RunWorkerAsync(random, Feeds, r => _users[r.Next(_users.Count)], GetFeedAsync)));
        }
    }

    /// <summary>Stops new requests and waits for pending ones to succeed or be given up.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_workers).WaitAsync(_options.Retry + _options.Timeout + TimeSpan.FromSeconds(30)).ConfigureAwait(false);
    }

    /// <summary>Waits until at least <paramref name="events"/> events are acknowledged in total (the load is flowing).</summary>
    public Task WaitAcknowledgedAsync(int events, TimeSpan guard) =>
        Poll.UntilAsync(() => Task.FromResult(_ledger.AcknowledgedCount >= events), guard,
            $"{events} acknowledged events (have {_ledger.AcknowledgedCount}; {Events})");

    /// <summary>Waits until <paramref name="count"/> more feeds than now have succeeded.</summary>
    public Task WaitFeedsAsync(int count, TimeSpan guard)
    {
        var target = Feeds.Succeeded + count;
        return Poll.UntilAsync(() => Task.FromResult(Feeds.Succeeded >= target), guard, $"{count} more feeds ({Feeds})");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_workers).WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Reported by the scenario's own StopAsync; disposal only releases the client.
        }

        _http.Dispose();
        _stop.Dispose();
    }

    private SentEvent[] NextBatch(Random random)
    {
        var size = random.Next(1, Math.Min(_options.MaxBatch, _users.Count) + 1);
        var batch = new SentEvent[size];
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < size; i++)
        {
            string user;
            do
            {
                user = _users[random.Next(_users.Count)];
            }
            while (!used.Add(user));

            var n = Interlocked.Increment(ref _nextEvent);
            batch[i] = new SentEvent($"{_runId}-{n.ToString(CultureInfo.InvariantCulture)}", user, _videos[random.Next(_videos.Count)]);
        }

        return batch;
    }

    /// <summary>One worker: a request per tick, retried on the following ticks until success, rejection or give-up.</summary>
    private async Task RunWorkerAsync<T>(Random random, LoadStats stats, Func<Random, T> next, Func<Uri, T, Random, Task<Outcome>> send)
    {
        using var ticks = new PeriodicTimer(_options.Pace);
        T? pending = default;
        var hasPending = false;
        var started = Stopwatch.StartNew();
        while (hasPending || !_stop.IsCancellationRequested)
        {
            if (!hasPending)
            {
                pending = next(random);
                hasPending = true;
                started.Restart();
            }

            var targets = _targets();
            Outcome outcome;
            if (targets.Count == 0)
            {
                outcome = Outcome.Failed("no-node", "no node to send to");
            }
            else
            {
                var target = targets[random.Next(targets.Count)];
                try
                {
                    outcome = await send(target, pending!, random).ConfigureAwait(false);
                }
                catch (Exception error) when (error is HttpRequestException or TaskCanceledException or IOException)
                {
                    outcome = Outcome.Failed(error.GetType().Name, $"{target}: {error.Message}");
                }
            }

            if (outcome.Kind == OutcomeKind.Ok)
            {
                stats.Success(started.Elapsed);
                hasPending = false;
            }
            else if (outcome.Kind == OutcomeKind.Rejected)
            {
                stats.Reject(outcome.Detail);
                hasPending = false;
            }
            else if (started.Elapsed > _options.Retry)
            {
                stats.GiveUp($"after {started.Elapsed.TotalSeconds:0.0}s, last: {outcome.Detail}");
                hasPending = false;
            }
            else
            {
                stats.AttemptFailed(outcome.Failure, outcome.Detail);
            }

            if (!await ticks.WaitForNextTickAsync().ConfigureAwait(false))
            {
                break;
            }
        }
    }

    private async Task<Outcome> SendEventsAsync(Uri node, SentEvent[] batch, Random random)
    {
        _ = random;
        var body = EventBody(batch);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(new Uri(node, "/v1/events"), content).ConfigureAwait(false);
        }
        catch
        {
            _ledger.MarkInDoubt(batch);
            throw;
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                _ledger.Acknowledge(batch);
                return Outcome.Ok;
            }

            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 400 and < 500 and not 408 and not 429)
            {
                return Outcome.Reject($"POST {node}v1/events [{string.Join(',', batch.Select(e => e.Id))}] → {status} {text}");
            }

            _ledger.MarkInDoubt(batch);
            return Outcome.Failed(status.ToString(CultureInfo.InvariantCulture), $"POST {node}v1/events → {status} {text}");
        }
    }

    private async Task<Outcome> GetFeedAsync(Uri node, string user, Random random)
    {
        _ = random;
        using var response = await _http.GetAsync(new Uri(node, $"/v1/feed/{user}?count=5")).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            return Outcome.Ok;
        }

        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        var status = (int)response.StatusCode;
        return status is >= 400 and < 500 and not 408 and not 429
            ? Outcome.Reject($"GET {node}v1/feed/{user} → {status} {text}")
            : Outcome.Failed(status.ToString(CultureInfo.InvariantCulture), $"GET {node}v1/feed/{user} → {status} {text}");
    }

    private static string EventBody(SentEvent[] batch)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("events");
            foreach (var e in batch)
            {
                // Type and watch time are derived from the id, so a retried batch carries the same events.
                var h = (int)(Cluster.Sharding.ShardResolver.StableHash(e.Id) & 0x7fffffff);
                json.WriteStartObject();
                json.WriteString("id", e.Id);
                json.WriteString("type", Types[h % Types.Length]);
                json.WriteString("userId", e.UserId);
                json.WriteString("videoId", e.VideoId);
                json.WriteString("timestamp", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
                json.WriteNumber("watchMs", 1000 + h % 14_000);
                json.WriteNumber("durationMs", 15_000);
                json.WriteNumber("replays", 0);
                json.WriteString("region", "US");
                json.WriteString("device", "ios");
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private enum OutcomeKind
    {
        Ok,
        Failed,
        Rejected,
    }

    private readonly record struct Outcome(OutcomeKind Kind, string Failure, string Detail)
    {
        public static Outcome Ok => new(OutcomeKind.Ok, "", "");

        public static Outcome Failed(string kind, string detail) => new(OutcomeKind.Failed, kind, detail);

        public static Outcome Reject(string detail) => new(OutcomeKind.Rejected, "", detail);
    }
}
