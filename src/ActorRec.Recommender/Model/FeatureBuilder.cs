using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using ActorRec.Recommender.Features;

namespace ActorRec.Recommender.Model;

/// <summary>
/// Where a candidate's own inputs sit in the ranker's input vector: the video embedding at <see cref="VideoOffset"/>,
/// the user⊙video product at <see cref="ProductOffset"/> (both <see cref="EmbeddingDimension"/> long) and the sparse
/// mean at <see cref="SparseOffset"/> (<see cref="SparseDimension"/> long). Everything else is shared by a feed.
/// </summary>
public readonly record struct FeatureLayout(int EmbeddingDimension, int SparseDimension, int VideoOffset, int ProductOffset, int SparseOffset);

/// <summary>The request context the ranker sees.</summary>
/// <param name="Region">Region code ("US").</param>
/// <param name="Device">Device family ("ios").</param>
/// <param name="Hour">Local hour of day, 0..23.</param>
public readonly record struct RankingContext(string Region, string Device, int Hour);

/// <summary>Settings of the <see cref="FeatureBuilder"/>.</summary>
/// <param name="EmbeddingDimension">Length of the user and video embeddings.</param>
/// <param name="DeviceBuckets">Device one-hot width (devices are hashed into this many buckets).</param>
public sealed record FeatureSettings(int EmbeddingDimension = 64, int DeviceBuckets = 8)
{
    /// <summary>Validates and names the bad key.</summary>
    public static FeatureSettings Create(FeatureSettings values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(values.EmbeddingDimension, "ranking.features.embedding-dimension");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(values.DeviceBuckets, "ranking.features.device-buckets");
        return values;
    }
}

/// <summary>
/// Builds the ranker's input vector. Serving and training call the same <see cref="Build"/>, so the model is
/// trained on exactly what it is served. Layout:
/// <c>[user | video | user⊙video | mean(sparse rows) | region row | device one-hot | hour one-hot]</c>.
/// Sparse ids (hashtags, sound, creator, …) and the region come from one collisionless
/// <see cref="CuckooEmbeddingTable"/>; the region id is namespaced (FNV-1a of "region:" + code) so it never meets
/// a sparse id. Training additionally counts sightings (admission) before building and, after the model step,
/// pushes the input gradient into the sparse and region rows.
/// </summary>
public sealed class FeatureBuilder
{
    private readonly FeatureSettings _settings;
    private readonly CuckooEmbeddingTable _table;
    private readonly int _e;
    private readonly int _s;

    /// <summary>Creates a builder over <paramref name="sparseTable"/>.</summary>
    public FeatureBuilder(FeatureSettings settings, CuckooEmbeddingTable sparseTable)
    {
        _settings = FeatureSettings.Create(settings);
        _table = sparseTable ?? throw new ArgumentNullException(nameof(sparseTable));
        _e = settings.EmbeddingDimension;
        _s = sparseTable.Dimension;
        InputDimension = (3 * _e) + (2 * _s) + settings.DeviceBuckets + 24;
    }

    /// <summary>Length of the vector <see cref="Build"/> writes.</summary>
    public int InputDimension { get; }

    /// <summary>The sparse-feature table.</summary>
    public CuckooEmbeddingTable Table => _table;

    /// <summary>Stable id of a region in the sparse table.</summary>
    public static ulong RegionId(string region) => Hashing.Fnv1a64("region:", region);

    /// <summary>Where the per-candidate parts sit in the vector <see cref="Build"/> writes (see <see cref="FeatureLayout"/>).</summary>
    public FeatureLayout Layout => new(_e, _s, _e, 2 * _e, 3 * _e);

    /// <summary>Length of the per-candidate item vector <see cref="BuildItem"/> writes: <c>[video | mean(sparse rows)]</c>.</summary>
    public int ItemDimension => _e + _s;

    /// <summary>Writes the input vector for one (user, video, sparse ids, context). Nothing is admitted or counted.</summary>
    public void Build(ReadOnlySpan<float> user, ReadOnlySpan<float> video, ReadOnlySpan<ulong> sparseIds, in RankingContext context, Span<float> x)
    {
        if (user.Length != _e || video.Length != _e)
        {
            throw new ArgumentException($"user and video embeddings must have length {_e} (got {user.Length} and {video.Length}).", nameof(user));
        }

        BuildShared(user, context, x);
        video.CopyTo(x[_e..]);
        TensorPrimitives.Multiply(user, video, x.Slice(2 * _e, _e));
        _table.MeanPool(sparseIds, x.Slice(3 * _e, _s));
    }

    /// <summary>
    /// Writes the part of the input vector that one feed's candidates share (user, region, device, hour) and zeros
    /// where the candidate's parts go (video, user⊙video, sparse mean): <see cref="Build"/> is this plus the
    /// candidate's parts, so serving can fold the shared part through the first layer once per feed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void BuildShared(ReadOnlySpan<float> user, in RankingContext context, Span<float> x)
    {
        if (user.Length != _e)
        {
            throw new ArgumentException($"user and video embeddings must have length {_e} (got {user.Length}).", nameof(user));
        }

        if (x.Length != InputDimension)
        {
            throw new ArgumentException($"x has length {x.Length}, expected {InputDimension}.", nameof(x));
        }

        if (context.Hour is < 0 or > 23)
        {
            throw new ArgumentOutOfRangeException(nameof(context), context.Hour, "context.Hour must be in 0..23.");
        }

        ArgumentNullException.ThrowIfNull(context.Region, "context.Region");
        ArgumentNullException.ThrowIfNull(context.Device, "context.Device");
        x.Clear();
        user.CopyTo(x);
        var offset = (3 * _e) + _s;
        if (_table.TryGet(RegionId(context.Region), out var region))
        {
            region.CopyTo(x.Slice(offset, _s));
        }

        offset += _s;
        x[offset + DeviceBucket(context.Device)] = 1f;
        offset += _settings.DeviceBuckets;
        x[offset + context.Hour] = 1f;
    }

    /// <summary>
    /// Writes one candidate's own inputs, <c>[video | mean(sparse rows)]</c> (<see cref="ItemDimension"/> floats):
    /// the same values <see cref="Build"/> puts at <see cref="FeatureLayout.VideoOffset"/> and
    /// <see cref="FeatureLayout.SparseOffset"/> (the user⊙video part follows from the video and the user).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void BuildItem(ReadOnlySpan<float> video, ReadOnlySpan<ulong> sparseIds, Span<float> item)
    {
        if (video.Length != _e || item.Length != ItemDimension)
        {
            throw new ArgumentException($"video must have length {_e} and item {ItemDimension} (got {video.Length} and {item.Length}).", nameof(item));
        }

        video.CopyTo(item);
        _table.MeanPool(sparseIds, item.Slice(_e, _s));
    }

    /// <summary>Counts one sighting of each sparse id and of the region (admission), as training does before <see cref="Build"/>.</summary>
    public void Observe(ReadOnlySpan<ulong> sparseIds, in RankingContext context)
    {
        for (var i = 0; i < sparseIds.Length; i++)
        {
            _table.TryGetOrAdmit(sparseIds[i], out _);
        }

        _table.TryGetOrAdmit(RegionId(context.Region), out _);
    }

    /// <summary>SGD step of the sparse and region rows along the input gradient (the mean pool splits it evenly).</summary>
    public void ApplyGradient(ReadOnlySpan<ulong> sparseIds, in RankingContext context, ReadOnlySpan<float> inputGradient, float learningRate)
    {
        var offset = 3 * _e;
        var pooledGradient = inputGradient.Slice(offset, _s);
        var found = 0;
        for (var i = 0; i < sparseIds.Length; i++)
        {
            found += _table.Contains(sparseIds[i]) ? 1 : 0;
        }

        if (found > 0)
        {
            var step = -learningRate / found;
            for (var i = 0; i < sparseIds.Length; i++)
            {
                if (_table.TryGetForUpdate(sparseIds[i], out var row))
                {
                    TensorPrimitives.MultiplyAdd(pooledGradient, step, row, row);
                }
            }
        }

        if (_table.TryGetForUpdate(RegionId(context.Region), out var region))
        {
            TensorPrimitives.MultiplyAdd(inputGradient.Slice(offset + _s, _s), -learningRate, region, region);
        }
    }

    private int DeviceBucket(string device) => (int)(Hashing.Fnv1a64(device) % (ulong)_settings.DeviceBuckets);
}
