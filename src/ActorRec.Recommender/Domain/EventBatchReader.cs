using System.Text.Json;

namespace ActorRec.Recommender.Domain;

/// <summary>
/// Parses and validates a <c>POST /v1/events</c> body: <c>{"events":[{...}]}</c>. All mistakes are reported at once,
/// each naming its JSON path (<c>events[3].watchMs</c>); a body with any mistake yields no events at all, so nothing
/// is half-applied. Required on every event: <c>id, type, userId, videoId, timestamp</c>; a <c>view</c> also needs
/// <c>watchMs</c>. Optional: <c>durationMs</c> (0 or absent: the video's own length), <c>replays, region, device</c>.
/// Unknown properties are ignored (clients may send more than we read). Given the server's clock, a timestamp more
/// than <see cref="IngestLimits.MaxFutureSkew"/> ahead of it is refused: a future-dated event would distort the decay of
/// the user's session and fatigue and shorten how long re-sent ids are recognised (see <see cref="AppliedIds"/>).
/// </summary>
public static class EventBatchReader
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    public static ValidationResult<IReadOnlyList<InteractionEvent>> Read(string json, IngestLimits limits, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Read(System.Text.Encoding.UTF8.GetBytes(json), limits, now);
    }

    // now: the server's clock, to refuse timestamps too far ahead of it; null skips that check.
    public static ValidationResult<IReadOnlyList<InteractionEvent>> Read(ReadOnlyMemory<byte> utf8Json, IngestLimits limits, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var errors = new List<ValidationError>();
        if (utf8Json.Length > limits.MaxEventBodyBytes)
        {
            errors.Add(new ValidationError("$", $"body is {utf8Json.Length} bytes; at most {limits.MaxEventBodyBytes} are accepted"));
            return ValidationResult<IReadOnlyList<InteractionEvent>>.Fail(errors);
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8Json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            errors.Add(new ValidationError("$", $"malformed JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine}: {ex.Message}"));
            return ValidationResult<IReadOnlyList<InteractionEvent>>.Fail(errors);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new ValidationError("$", $"body must be an object with an \"events\" array (got {JsonFieldReader.Kind(root)})"));
                return ValidationResult<IReadOnlyList<InteractionEvent>>.Fail(errors);
            }

            if (!root.TryGetProperty("events", out var events) || events.ValueKind == JsonValueKind.Null)
            {
                errors.Add(new ValidationError("events", "is required"));
                return ValidationResult<IReadOnlyList<InteractionEvent>>.Fail(errors);
            }

            if (events.ValueKind != JsonValueKind.Array)
            {
                errors.Add(new ValidationError("events", $"must be an array (got {JsonFieldReader.Kind(events)})"));
                return ValidationResult<IReadOnlyList<InteractionEvent>>.Fail(errors);
            }

            var count = events.GetArrayLength();
            if (count == 0)
            {
                errors.Add(new ValidationError("events", "must contain at least one event"));
                return ValidationResult<IReadOnlyList<InteractionEvent>>.Fail(errors);
            }

            if (count > limits.MaxEventsPerBatch)
            {
                errors.Add(new ValidationError("events", $"has {count} events; at most {limits.MaxEventsPerBatch} are accepted per batch"));
                return ValidationResult<IReadOnlyList<InteractionEvent>>.Fail(errors);
            }

            var result = new List<InteractionEvent>(count);
            var i = 0;
            foreach (var e in events.EnumerateArray())
            {
                var ev = ReadEvent(e, $"events[{i}]", limits, now, errors);
                if (ev is not null)
                {
                    result.Add(ev);
                }

                i++;
            }

            return errors.Count > 0
                ? ValidationResult<IReadOnlyList<InteractionEvent>>.Fail(errors)
                : ValidationResult<IReadOnlyList<InteractionEvent>>.Ok(result);
        }
    }

    private static InteractionEvent? ReadEvent(JsonElement e, string path, IngestLimits limits, DateTimeOffset? now, List<ValidationError> errors)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new ValidationError(path, $"must be an object (got {JsonFieldReader.Kind(e)})"));
            return null;
        }

        var before = errors.Count;
        var r = new JsonFieldReader(e, path, errors);
        var id = r.String("id", true, limits.MaxIdLength);
        var typeText = r.String("type", true, 32);
        InteractionType type = default;
        if (typeText is not null && !InteractionTypes.TryParse(typeText, out type))
        {
            r.Error("type", $"unknown event type \"{typeText}\"; expected one of {InteractionTypes.WireNames}");
        }

        var userId = r.String("userId", true, limits.MaxIdLength);
        var videoId = r.String("videoId", true, limits.MaxIdLength);
        var timestamp = r.Timestamp("timestamp", true);
        if (timestamp is { } t && now is { } clock && t - clock > limits.MaxFutureSkew)
        {
            r.Error("timestamp", $"is {Describe(t - clock)} ahead of the server clock ({clock:yyyy-MM-ddTHH:mm:ssZ}); at most {Describe(limits.MaxFutureSkew)} ahead is accepted");
        }

        var watchMs = r.Int64("watchMs", typeText == "view", 0, limits.MaxWatchMs);
        var durationMs = r.Int64("durationMs", false, 0, limits.MaxDurationMs);
        var replays = r.Int64("replays", false, 0, limits.MaxReplays);
        var region = r.String("region", false, limits.MaxRegionLength);
        var device = r.String("device", false, limits.MaxDeviceLength);
        if (errors.Count > before)
        {
            return null;
        }

        return new InteractionEvent(
            id!, type, userId!, videoId!, timestamp!.Value,
            watchMs ?? 0, durationMs ?? 0, (int)(replays ?? 0), region, device);
    }

    // A span for people: whole days past a day, else h:mm:ss.
    private static string Describe(TimeSpan span) => span.TotalDays >= 1
        ? $"{span.TotalDays:0.#} days"
        : TimeSpan.FromSeconds(Math.Round(span.TotalSeconds)).ToString("c", System.Globalization.CultureInfo.InvariantCulture);
}
