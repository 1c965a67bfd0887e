using System.Numerics.Tensors;
using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Videos;

/// <summary>
/// The starting embedding of a new video, from its content features by feature hashing.
/// <para>
/// Each feature string (<c>tag:cats</c>, <c>tok:funny</c>, <c>sound:s1</c>, <c>creator:c1</c>) is hashed to one of
/// 2^20 buckets; a bucket's vector is a fixed pseudo-random ±1/√dim (Rademacher) row generated from the bucket
/// number, i.e. a signed random projection of the one-hot hashed feature down to <c>dim</c>. The video vector is
/// the weighted sum of its features' rows (hashtags weight hashtag-weight, the primary one tripled; caption tokens
/// share caption-weight; sound and creator their own), normalised to unit length. Videos sharing hashtags, words,
/// sounds or creators therefore start close together, and everything is deterministic across processes.
/// A provided content vector is used instead (normalised) when it is non-zero.
/// </para>
/// </summary>
public static class ContentEmbedder
{
    private const int BucketBits = 20;
    private const int MaxCaptionTokens = 64;
    private const int MinTokenLength = 3;

    public static float[] Embed(VideoUpload upload, int dim, VideoStateSettings s)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(s);
        ArgumentOutOfRangeException.ThrowIfLessThan(dim, 1);
        var v = new float[dim];
        if (upload.ContentEmbedding is { } given)
        {
            if (given.Length != dim)
            {
                throw new ArgumentException($"content embedding has {given.Length} elements; the dimension is {dim}", nameof(upload));
            }

            var norm = TensorPrimitives.Norm(given);
            if (norm > 0f && float.IsFinite(norm))
            {
                TensorPrimitives.Multiply(given, 1f / norm, v);
                return v;
            }
        }

        for (var i = 0; i < upload.Hashtags.Count; i++)
        {
            AddFeature(v, "tag:", upload.Hashtags[i], i == 0 ? 3f * s.HashtagWeight : s.HashtagWeight);
        }

        AddCaption(v, upload.Caption, s.CaptionWeight);
        if (!string.IsNullOrEmpty(upload.SoundId))
        {
            AddFeature(v, "sound:", upload.SoundId, s.SoundWeight);
        }

        AddFeature(v, "creator:", upload.CreatorId, s.CreatorWeight);
        var n = TensorPrimitives.Norm(v);
        if (n == 0f)
        {
            // All weights zero: fall back to the creator row alone so the vector is never zero.
            AddFeature(v, "creator:", upload.CreatorId, 1f);
            n = TensorPrimitives.Norm(v);
        }

        TensorPrimitives.Multiply(v, 1f / n, v);
        return v;
    }

    private static void AddCaption(float[] v, string caption, float weight)
    {
        if (weight == 0f || string.IsNullOrEmpty(caption))
        {
            return;
        }

        Span<Range> tokens = stackalloc Range[MaxCaptionTokens];
        var count = 0;
        var span = caption.AsSpan();
        var i = 0;
        while (i < span.Length && count < MaxCaptionTokens)
        {
            while (i < span.Length && !char.IsLetterOrDigit(span[i]))
            {
                i++;
            }

            var start = i;
            while (i < span.Length && char.IsLetterOrDigit(span[i]))
            {
                i++;
            }

            if (i - start >= MinTokenLength)
            {
                tokens[count++] = new Range(start, i);
            }
        }

        if (count == 0)
        {
            return;
        }

        var each = weight / MathF.Sqrt(count);
        Span<char> lower = stackalloc char[64];
        for (var t = 0; t < count; t++)
        {
            var token = span[tokens[t]];
            if (token.Length > lower.Length)
            {
                token = token[..lower.Length];
            }

            var n = token.ToLowerInvariant(lower);
            AddFeature(v, "tok:", lower[..n], each);
        }
    }

    private static void AddFeature(float[] v, string prefix, ReadOnlySpan<char> feature, float weight)
    {
        if (weight == 0f)
        {
            return;
        }

        var bucket = StableHash.Key(prefix, feature) & ((1UL << BucketBits) - 1);
        var state = StableHash.Mix(bucket + 0x632be59bd9b4e019UL);
        var unit = weight / MathF.Sqrt(v.Length);
        var bits = 0;
        for (var i = 0; i < v.Length; i++)
        {
            if (bits == 64)
            {
                state = StableHash.Mix(state + 0x9e3779b97f4a7c15UL);
                bits = 0;
            }

            v[i] += ((state >> bits) & 1) == 0 ? unit : -unit;
            bits++;
        }
    }
}
