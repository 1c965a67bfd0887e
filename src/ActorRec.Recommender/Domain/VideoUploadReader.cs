using System.Text.Json;

namespace ActorRec.Recommender.Domain;

/// <summary>
/// Parses and validates a <c>PUT /v1/videos/{videoId}</c> body. Required: <c>creatorId</c>, <c>durationMs</c> (&gt; 0).
/// Optional: <c>hashtags</c> (strings, normalised), <c>caption</c>, <c>soundId</c>, <c>region</c>,
/// <c>contentEmbedding</c> (exactly <c>embedding-dim</c> finite numbers). Every mistake is reported with its path.
/// </summary>
public static class VideoUploadReader
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 8 };

    /// <summary>Checks a video id taken from the URL.</summary>
    public static ValidationError? CheckVideoId(string? videoId, IngestLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (string.IsNullOrEmpty(videoId))
        {
            return new ValidationError("videoId", "is required");
        }

        return videoId.Length > limits.MaxIdLength
            ? new ValidationError("videoId", $"must be at most {limits.MaxIdLength} characters (got {videoId.Length})")
            : null;
    }

    public static ValidationResult<VideoUpload> Read(string json, FeedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Read(System.Text.Encoding.UTF8.GetBytes(json), settings);
    }

    public static ValidationResult<VideoUpload> Read(ReadOnlyMemory<byte> utf8Json, FeedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var limits = settings.Limits;
        var errors = new List<ValidationError>();
        if (utf8Json.Length > limits.MaxVideoBodyBytes)
        {
            errors.Add(new ValidationError("$", $"body is {utf8Json.Length} bytes; at most {limits.MaxVideoBodyBytes} are accepted"));
            return ValidationResult<VideoUpload>.Fail(errors);
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8Json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            errors.Add(new ValidationError("$", $"malformed JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine}: {ex.Message}"));
            return ValidationResult<VideoUpload>.Fail(errors);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new ValidationError("$", $"body must be an object (got {JsonFieldReader.Kind(root)})"));
                return ValidationResult<VideoUpload>.Fail(errors);
            }

            var r = new JsonFieldReader(root, string.Empty, errors);
            var creatorId = r.String("creatorId", true, limits.MaxIdLength);
            var durationMs = r.Int64("durationMs", true, 1, limits.MaxDurationMs);
            var hashtags = ReadHashtags(r, limits);
            var caption = r.String("caption", false, limits.MaxCaptionLength, allowEmpty: true) ?? string.Empty;
            var soundId = r.String("soundId", false, limits.MaxIdLength);
            var region = r.String("region", false, limits.MaxRegionLength) ?? string.Empty;
            var embedding = r.Vector("contentEmbedding", settings.EmbeddingDim);
            if (errors.Count > 0)
            {
                return ValidationResult<VideoUpload>.Fail(errors);
            }

            return ValidationResult<VideoUpload>.Ok(
                new VideoUpload(creatorId!, durationMs!.Value, hashtags, caption, soundId, region, embedding));
        }
    }

    private static List<string> ReadHashtags(JsonFieldReader r, IngestLimits limits)
    {
        var tags = new List<string>();
        if (!r.TryGet("hashtags", out var v))
        {
            return tags;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            r.Error("hashtags", $"must be an array of strings (got {JsonFieldReader.Kind(v)})");
            return tags;
        }

        if (v.GetArrayLength() > limits.MaxHashtags)
        {
            r.Error("hashtags", $"has {v.GetArrayLength()} entries; at most {limits.MaxHashtags} are accepted");
            return tags;
        }

        var i = 0;
        foreach (var e in v.EnumerateArray())
        {
            var at = $"hashtags[{i++}]";
            if (e.ValueKind != JsonValueKind.String)
            {
                r.Error(at, $"must be a string (got {JsonFieldReader.Kind(e)})");
                continue;
            }

            var tag = VideoUpload.NormalizeHashtag(e.GetString()!);
            if (tag.Length == 0 || tag.Length > limits.MaxHashtagLength)
            {
                r.Error(at, $"must have 1 to {limits.MaxHashtagLength} characters after removing '#' and blanks");
                continue;
            }

            if (!tags.Contains(tag))
            {
                tags.Add(tag);
            }
        }

        return tags;
    }
}
