using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Entities;

/// <summary>
/// <c>--json</c> form of <c>journal replay user/ID --feed</c>: the replayed user, the time and size of the catalog,
/// the replay's transition lines, what is as of T and what took defaults, and the feed with explanations (the
/// <c>GET /v1/feed/{userId}?explain=true</c> shape).
/// </summary>
public sealed record FeedReplayDto(
    string UserId,
    string PersistenceId,
    string At,
    long LastSequenceNr,
    long UserEvents,
    int Videos,
    int VideosRegisteredLater,
    IReadOnlyList<string> AsOfT,
    IReadOnlyList<string> Defaults,
    IReadOnlyList<string> Transitions,
    FeedResponseDto Feed);

/// <summary>Text and JSON renderings of a <see cref="FeedReplayResult"/>.</summary>
public static class FeedReplayReport
{
    /// <summary>The human form: a header, the as-of-T and default parts, then each item with sources, score parts and adjustments.</summary>
    public static string ToText(FeedReplayResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var c = CultureInfo.InvariantCulture;
        var text = new System.Text.StringBuilder();
        text.Append(c, $"feed of user {result.UserId} at {FeedReplay.Format(result.At.ToUnixTimeMilliseconds())}")
            .Append(c, $" (user state after #{result.LastSequenceNr}, {result.UserEvents} events; {result.Videos} videos as of T, {result.VideosRegisteredLater} registered later;")
            .Append(c, $" {result.Feed.Candidates} candidates, {result.Response.Items.Count} items)").AppendLine();
        text.Append("  as of T: ").AppendJoin("; ", result.AsOfT).AppendLine();
        text.Append("  defaults (not journaled): ").AppendJoin("; ", result.Defaults.Count == 0 ? ["none"] : result.Defaults).AppendLine();
        var items = result.Response.Items;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            text.Append(c, $"{i + 1,3}. {item.VideoId}  score {item.Score:0.0000}  from {string.Join(", ", item.Sources)}").AppendLine();
            if (item.Explain is not { } ex)
            {
                continue;
            }

            text.Append("     score parts:");
            foreach (var (name, value) in ex.Score)
            {
                text.Append(c, $" {name} {value:0.0000}");
            }

            text.AppendLine();
            if (ex.Tasks is { Count: > 0 } tasks)
            {
                text.Append("     model tasks:");
                foreach (var t in tasks)
                {
                    text.Append(c, $" {t.Task} {t.Prediction:0.000}×{t.Weight:0.##}");
                }

                text.AppendLine();
            }

            foreach (var a in ex.Adjustments)
            {
                text.Append(c, $"     {a.Kind}: {a.Detail} ({a.Delta:+0.0000;-0.0000;0})").AppendLine();
            }
        }

        if (result.Response.Explain is { } s)
        {
            text.Append(c, $"  feed: intra-list diversity {s.IntraListDiversity:0.000}, exploration slots {s.ExplorationSlots} (share {s.ExplorationShare:0.###}), MMR λ {s.MmrLambda:0.##}");
            if (s.Arms.Count > 0)
            {
                text.Append(", arms ").AppendJoin(", ", s.Arms);
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    /// <summary>One JSON object (camelCase) with the replay's <paramref name="transitions"/> lines and the feed.</summary>
    public static string ToJson(FeedReplayResult result, IReadOnlyList<string> transitions)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(transitions);
        var dto = new FeedReplayDto(result.UserId, result.PersistenceId, FeedReplay.Format(result.At.ToUnixTimeMilliseconds()), result.LastSequenceNr,
            result.UserEvents, result.Videos, result.VideosRegisteredLater, result.AsOfT, result.Defaults, transitions, result.Response);
        return JsonSerializer.Serialize(dto, FeedReplayJsonContext.Default.FeedReplayDto);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FeedReplayDto))]
internal sealed partial class FeedReplayJsonContext : JsonSerializerContext;
