using System.Net;
using System.Text.Json;
using ActorRec.Persistence;
using ActorRec.Persistence.Postgres;
using ActorRec.Persistence.Serialization;
using ActorRec.Recommender.Entities;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;

namespace ActorRec.Cluster.Tests.MultiProcess.Scenarios;

/// <summary>
/// Gathers what the <see cref="ScenarioAudits"/> judge, after the load has quiesced: every user's and video's
/// journal from the shared PostgreSQL journal (through the persistence query API, decoded with the feed's own
/// serializers), and every entity's live <c>eventCount</c> through the public API of the nodes still serving.
/// <see cref="VerifyAsync"/> runs every check and fails with all violations at once.
/// </summary>
public static class ScenarioVerifier
{
    /// <summary>Journaled interactions of <c>TYPE/ID</c> for every id, read with the persistence query API.</summary>
    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<JournaledEvent>>> ReadJournalsAsync(
        string connectionString, string type, IEnumerable<string> ids)
    {
        var serializers = EntitySerializers.CreateRegistry();
        await using var journal = new PostgresJournal(PersistenceSettings.Create("postgres", connectionString: connectionString));
        var result = new Dictionary<string, IReadOnlyList<JournaledEvent>>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var rows = new List<JournaledEvent>();
            await foreach (var row in journal.CurrentEventsByPersistenceIdAsync(type + "/" + id, 0, long.MaxValue).ConfigureAwait(false))
            {
                if (EventIdOf(serializers, row.Manifest, row.SchemaVersion, row.Payload) is { } eventId)
                {
                    rows.Add(new JournaledEvent(row.SequenceNr, row.WriterEpoch, eventId));
                }
            }

            result[id] = rows;
        }

        return result;
    }

    /// <summary><c>eventCount</c> of every entity (<c>GET /v1/users/ID</c> or <c>/v1/videos/ID</c>) through random serving nodes.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> ReadEventCountsAsync(
        Func<IReadOnlyList<Uri>> targets, string type, IEnumerable<string> ids, TimeSpan guard)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var random = new Random(11);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var path = type == "user" ? "/v1/users/" : "/v1/videos/";
        foreach (var id in ids)
        {
            await Poll.UntilAsync(async () =>
            {
                var nodes = targets();
                using var response = await http.GetAsync(new Uri(nodes[random.Next(nodes.Count)], path + Uri.EscapeDataString(id))).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return false; // an entity being re-homed answers 503: ask again
                }

                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
                counts[id] = json.RootElement.GetProperty("eventCount").GetInt64();
                return true;
            }, guard, $"{type} {id} answers its state").ConfigureAwait(false);
        }

        return counts;
    }

    /// <summary>
    /// Runs checks (a), (b) and the journal half of (c) for users and videos; with <paramref name="sampler"/>, adds
    /// the shard map violations it saw and the current epochs it knows. Returns every violation (empty = clean).
    /// </summary>
    public static async Task<IReadOnlyList<string>> VerifyAsync(
        string connectionString,
        Func<IReadOnlyList<Uri>> targets,
        EventLedger ledger,
        IReadOnlyList<string> users,
        IReadOnlyList<string> videos,
        bool sharded,
        ShardMapSampler? sampler = null)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var violations = new List<string>();
        var inDoubt = ledger.InDoubt();
        var doubtIds = inDoubt.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        IReadOnlyDictionary<(string, int), long>? epochs = null;
        if (sampler is not null)
        {
            violations.AddRange(sampler.Violations);
            epochs = await sampler.CurrentEpochsAsync().ConfigureAwait(false);
        }

        foreach (var (type, ids, acked, doubtPer) in new[]
        {
            ("user", users, ledger.AcknowledgedByUser(), Count(inDoubt, e => e.UserId)),
            ("video", videos, ledger.AcknowledgedByVideo(), Count(inDoubt, e => e.VideoId)),
        })
        {
            var journals = await ReadJournalsAsync(connectionString, type, ids).ConfigureAwait(false);
            Func<string, long?>? epochOf = epochs is null || sampler is null
                ? null
                : id => epochs.TryGetValue((type, sampler.Resolver.ShardOf(id)), out var e) ? e : null;
            violations.AddRange(ScenarioAudits.AuditJournals(type, acked, doubtIds, journals, sharded, epochOf));
            var counts = await ReadEventCountsAsync(targets, type, ids, MultiProcessCluster.Guard).ConfigureAwait(false);
            violations.AddRange(ScenarioAudits.AuditEventCounts(type, acked, doubtPer, counts));
        }

        return violations;
    }

    private static Dictionary<string, int> Count(IReadOnlyList<SentEvent> events, Func<SentEvent, string> key)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            counts[key(e)] = counts.GetValueOrDefault(key(e)) + 1;
        }

        return counts;
    }

    private static string? EventIdOf(EventSerializerRegistry serializers, string manifest, int version, byte[] payload) => manifest switch
    {
        EntitySerializers.UserInteractionManifest => ((UserInteraction)serializers.Deserialize(manifest, version, payload)).Event.Id,
        EntitySerializers.VideoInteractionManifest => ((VideoInteraction)serializers.Deserialize(manifest, version, payload)).Event.Id,
        _ => null,
    };
}
