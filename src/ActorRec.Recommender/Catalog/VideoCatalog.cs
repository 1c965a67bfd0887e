using System.Collections.Concurrent;
using System.Diagnostics;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Catalog;

/// <summary>Immutable metadata of one catalog row; replaced as a whole when it changes.</summary>
[DebuggerDisplay("{VideoId} by {CreatorId} ({Topic}, {Region})")]
public sealed record VideoRowInfo(
    string VideoId,
    ulong VideoKey,
    string CreatorId,
    ulong CreatorKey,
    string Topic,
    ulong TopicKey,
    ulong[] HashtagKeys,
    string Region,
    long DurationMs,
    DateTimeOffset UploadedAt,
    int Stage,
    bool StageStopped,
    bool InColdStartPool,
    ModerationState Moderation,
    IReadOnlyList<string>? Hashtags = null,
    string? SoundId = null,
    ulong SoundKey = 0,
    long StagePoolSize = long.MaxValue);

/// <summary>
/// The read model of all videos that retrieval and ranking scan: video id ↔ dense row, the embedding matrix (row
/// major), metadata, and the live statistics ranking uses. VideoActors push their state here after each change; in a
/// cluster each node holds a replica fed by those updates.
/// <para>
/// Concurrency: one writer at a time (a lock), any number of lock-free readers. Rows are never reused or moved.
/// The arrays live in a <see cref="Storage"/> object that is replaced, never resized, when it fills; readers take
/// the current storage once and see a consistent prefix of rows (the count is published after the row is
/// written). A reader may see an embedding row half-way through an update: every float is written atomically, so
/// it sees a mix of the old and new vector, which is harmless for scoring. Metadata is an immutable record swapped
/// by reference; statistics are independent floats.
/// </para>
/// </summary>
public sealed partial class VideoCatalog : IEmbeddingSource
{
    private readonly object _writeLock = new();
    private readonly Dictionary<string, int> _rowById = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ulong, int> _rowByKey = new();
    private readonly ConcurrentDictionary<ulong, int[]> _rowsByCreator = new();
    private readonly IVideoIndex? _index;
    private volatile Storage _storage;
    private volatile int[] _coldStart = [];
    private volatile bool _coldStartDirty;
    private readonly HashSet<int> _coldStartSet = [];

    public VideoCatalog(int dimension, IVideoIndex? index = null, int initialCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (index is not null && index.Dimension != dimension)
        {
            throw new ArgumentException($"index dimension {index.Dimension} differs from catalog dimension {dimension}", nameof(index));
        }

        Dimension = dimension;
        _index = index;
        _storage = new Storage(Math.Max(16, initialCapacity), dimension);
    }

    public int Dimension { get; }

    /// <summary>Rows ever added (removed videos keep their row, flagged by moderation).</summary>
    public int Count => _storage.Count;

    public ReadOnlySpan<float> Row(int row)
    {
        var s = _storage;
        if ((uint)row >= (uint)s.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"catalog has {s.Count} rows");
        }

        return s.Embeddings.AsSpan(row * Dimension, Dimension);
    }

    public VideoRowInfo Info(int row) => _storage.Infos[row] ?? throw new ArgumentOutOfRangeException(nameof(row));

    /// <summary>
    /// The video key of a row and whether it is approved, from dense arrays: the candidate filters read these for
    /// hundreds of rows per feed, and a row's <see cref="VideoRowInfo"/> is an object elsewhere in memory (a cache
    /// miss per row).
    /// </summary>
    public ulong FilterFacts(int row, out bool approved)
    {
        var s = _storage;
        approved = s.Approved[row];
        return s.Keys[row];
    }

    /// <summary>Views, completions and velocity (decayed to <paramref name="now"/>) of a row.</summary>
    public (float Views, float Completions, float Velocity) Stats(int row, DateTimeOffset now, TimeSpan velocityHalfLife)
    {
        var s = _storage;
        var v = VideoState.DecayVelocity(s.Velocity[row], Volatile.Read(ref s.VelocityAt[row]), now, velocityHalfLife);
        return (s.Views[row], s.Completions[row], v);
    }

    public bool TryGetRow(string videoId, out int row)
    {
        ArgumentNullException.ThrowIfNull(videoId);
        return _rowByKey.TryGetValue(DomainKeys.Video(videoId), out row) && string.Equals(_storage.Infos[row]!.VideoId, videoId, StringComparison.Ordinal);
    }

    public bool TryGetRow(ulong videoKey, out int row) => _rowByKey.TryGetValue(videoKey, out row);

    /// <summary>Rows of a creator's videos, oldest first (a snapshot).</summary>
    public int[] RowsOfCreator(ulong creatorKey) => _rowsByCreator.TryGetValue(creatorKey, out var rows) ? rows : [];

    /// <summary>
    /// Rows of approved videos the cold-start path pushes: active on their promotion ladder (test audience or a
    /// judged pool) with impressions left in the stage's pool; stopped and graduated videos are not here (a
    /// snapshot, ascending).
    /// </summary>
    public int[] ColdStartRows()
    {
        // Rebuilt on the first read after a change, not on every change: loading a catalog changes the set once
        // per video, and most of a ladder-seeded catalog can be in it.
        if (_coldStartDirty)
        {
            lock (_writeLock)
            {
                if (_coldStartDirty)
                {
                    var rows = new int[_coldStartSet.Count];
                    _coldStartSet.CopyTo(rows);
                    Array.Sort(rows);
                    _coldStart = rows;
                    _coldStartDirty = false;
                }
            }
        }

        return _coldStart;
    }

    /// <summary>
    /// Counts one feed placement of <paramref name="row"/> against its promotion stage's pool (only for videos on
    /// the ladder; in memory on this node, from zero at each stage change; node checkpoints carry them over a restart).
    /// </summary>
    public void RecordPlacement(int row)
    {
        var s = _storage;
        if ((uint)row < (uint)s.Count && s.Infos[row]!.InColdStartPool)
        {
            Interlocked.Increment(ref s.Pushes[row]);
        }
    }

    /// <summary>Feed placements of <paramref name="row"/> counted in its current promotion stage on this node.</summary>
    public int PlacementsInStage(int row) => Volatile.Read(ref _storage.Pushes[row]);

    /// <summary>Whether the cold-start path may still place <paramref name="row"/>: its stage's pool is not used up.</summary>
    public bool HasPoolLeft(int row)
    {
        var s = _storage;
        return Volatile.Read(ref s.Pushes[row]) < s.Infos[row]!.StagePoolSize;
    }

    /// <summary>The facts a user update needs, with a copy of the current embedding.</summary>
    public VideoFacts Facts(int row)
    {
        var info = Info(row);
        return new VideoFacts(info.VideoId, info.CreatorId, info.Topic, info.DurationMs, Row(row).ToArray());
    }

    /// <summary>
    /// Told of every <see cref="Upsert"/> (a change made by this node's video actor, on the actor's thread, after the row
    /// is written); not of <see cref="ApplyReadCopy"/>. In a cluster it publishes the change to the other nodes' copies.
    /// </summary>
    public Action<VideoState>? Changed { get; set; }

    /// <summary>Adds or refreshes the row of <paramref name="video"/> (a change made by its actor here); returns its row.</summary>
    public int Upsert(VideoState video)
    {
        var row = Store(video);
        Changed?.Invoke(video);
        return row;
    }

    /// <summary>Adds or refreshes a row from another node's video actor (a read copy); <see cref="Changed"/> is not told.</summary>
    public int ApplyReadCopy(VideoState video) => Store(video);

    // Called after every video change; most changes are engagement (statistics and embedding), so the metadata record
    // is compared field by field with the state and rebuilt only when it differs (no allocation per event).
    private int Store(VideoState video)
    {
        ArgumentNullException.ThrowIfNull(video);
        lock (_writeLock)
        {
            VideoRowInfo info;
            if (!_rowById.TryGetValue(video.VideoId, out var row))
            {
                info = NewInfo(video);
                row = AppendRow(info);
            }
            else
            {
                var old = _storage.Infos[row]!;
                info = old;
                if (!SameMetadata(old, video))
                {
                    info = NewInfo(video);
                    _storage.Infos[row] = info;
                    _storage.Approved[row] = info.Moderation == ModerationState.Approved;
                    if (old.Stage != info.Stage || old.StageStopped != info.StageStopped)
                    {
                        // A new stage has a new pool: its placements count from zero.
                        Volatile.Write(ref _storage.Pushes[row], 0);
                    }

                    if (old.CreatorKey != info.CreatorKey)
                    {
                        RemoveCreatorRow(old.CreatorKey, row);
                        AddCreatorRow(info.CreatorKey, row);
                    }
                }
            }

            var s = _storage;
            video.Embedding.CopyTo(s.Embeddings.AsSpan(row * Dimension, Dimension));
            s.Views[row] = video.Views;
            s.Completions[row] = video.Completions;
            s.Velocity[row] = video.Velocity;
            Volatile.Write(ref s.VelocityAt[row], video.VelocityAt.UtcTicks);
            UpdateColdStart(row, info.InColdStartPool && info.Moderation == ModerationState.Approved);
            if (_index is not null)
            {
                if (info.Moderation == ModerationState.Approved)
                {
                    _index.Upsert(row, video.Embedding);
                }
                else
                {
                    _index.Remove(row);
                }
            }

            return row;
        }
    }

    private static VideoRowInfo NewInfo(VideoState video)
    {
        var upload = video.Upload;
        var tags = new ulong[upload.Hashtags.Count];
        for (var i = 0; i < tags.Length; i++)
        {
            tags[i] = DomainKeys.Topic(upload.Hashtags[i]);
        }

        return new VideoRowInfo(
            video.VideoId, video.Key, upload.CreatorId, DomainKeys.Creator(upload.CreatorId), upload.PrimaryTopic,
            DomainKeys.Topic(upload.PrimaryTopic), tags, upload.Region, upload.DurationMs, video.UploadedAt,
            video.Stage, video.StageStopped, video.InPromotionPool, video.Moderation,
            upload.Hashtags, upload.SoundId, upload.SoundId is null ? 0UL : StableHash.Key("sound:", upload.SoundId),
            StagePoolSizeOf(video));
    }

    private static long StagePoolSizeOf(VideoState video) => video.InPromotionPool ? video.Promotion.Stage.PoolSize : long.MaxValue;

    /// <summary>
    /// Whether the row's metadata already says what <paramref name="video"/> says (the fields <see cref="NewInfo"/>
    /// derives; hashtags by key, compared only when the upload's list is another object).
    /// </summary>
    private static bool SameMetadata(VideoRowInfo a, VideoState video)
    {
        var upload = video.Upload;
        if (a.VideoId != video.VideoId || a.CreatorId != upload.CreatorId || a.Topic != upload.PrimaryTopic || a.Region != upload.Region
            || a.DurationMs != upload.DurationMs || a.UploadedAt != video.UploadedAt || a.Stage != video.Stage || a.StageStopped != video.StageStopped
            || a.InColdStartPool != video.InPromotionPool || a.StagePoolSize != StagePoolSizeOf(video) || a.Moderation != video.Moderation)
        {
            return false;
        }

        if (ReferenceEquals(a.Hashtags, upload.Hashtags))
        {
            return true;
        }

        var tags = upload.Hashtags;
        if (a.HashtagKeys.Length != tags.Count)
        {
            return false;
        }

        for (var i = 0; i < tags.Count; i++)
        {
            if (a.HashtagKeys[i] != DomainKeys.Topic(tags[i]))
            {
                return false;
            }
        }

        return true;
    }

    private int AppendRow(VideoRowInfo info)
    {
        var s = _storage;
        if (s.Count == s.Capacity)
        {
            s = s.Grow(Dimension);
            _storage = s;
        }

        var row = s.Count;
        s.Infos[row] = info;
        s.Keys[row] = info.VideoKey;
        s.Approved[row] = info.Moderation == ModerationState.Approved;
        s.Count = row + 1;
        _rowById[info.VideoId] = row;
        _rowByKey[info.VideoKey] = row;
        AddCreatorRow(info.CreatorKey, row);
        return row;
    }

    private void AddCreatorRow(ulong creator, int row)
    {
        var rows = _rowsByCreator.TryGetValue(creator, out var old) ? old : [];
        var next = new int[rows.Length + 1];
        rows.CopyTo(next, 0);
        next[^1] = row;
        _rowsByCreator[creator] = next;
    }

    private void RemoveCreatorRow(ulong creator, int row)
    {
        if (_rowsByCreator.TryGetValue(creator, out var rows))
        {
            var i = Array.IndexOf(rows, row);
            if (i >= 0)
            {
                var next = new int[rows.Length - 1];
                Array.Copy(rows, 0, next, 0, i);
                Array.Copy(rows, i + 1, next, i, rows.Length - i - 1);
                _rowsByCreator[creator] = next;
            }
        }
    }

    private void UpdateColdStart(int row, bool inPool)
    {
        var changed = inPool ? _coldStartSet.Add(row) : _coldStartSet.Remove(row);
        if (changed)
        {
            _coldStartDirty = true;
        }
    }

    /// <summary>Arrays of one capacity; replaced by a larger copy when full.</summary>
    private sealed class Storage
    {
        public Storage(int capacity, int dim)
        {
            Capacity = capacity;
            Embeddings = new float[capacity * dim];
            Infos = new VideoRowInfo?[capacity];
            Keys = new ulong[capacity];
            Approved = new bool[capacity];
            Views = new float[capacity];
            Completions = new float[capacity];
            Velocity = new float[capacity];
            VelocityAt = new long[capacity];
            Pushes = new int[capacity];
        }

        public int Capacity { get; }

        public float[] Embeddings { get; }

        public VideoRowInfo?[] Infos { get; }

        /// <summary>Each row's <see cref="VideoRowInfo.VideoKey"/> (fixed for the row's life).</summary>
        public ulong[] Keys { get; }

        /// <summary>Whether each row's moderation state is approved (kept with <see cref="Infos"/>).</summary>
        public bool[] Approved { get; }

        public float[] Views { get; }

        public float[] Completions { get; }

        public float[] Velocity { get; }

        public long[] VelocityAt { get; }

        /// <summary>Feed placements per row in its current promotion stage.</summary>
        public int[] Pushes { get; }

        public int Count
        {
            get => Volatile.Read(ref _count);
            set => Volatile.Write(ref _count, value);
        }

        private int _count;

        public Storage Grow(int dim)
        {
            var next = new Storage(Capacity * 2, dim) { _count = _count };
            Embeddings.CopyTo(next.Embeddings, 0);
            Infos.CopyTo(next.Infos, 0);
            Keys.CopyTo(next.Keys, 0);
            Approved.CopyTo(next.Approved, 0);
            Views.CopyTo(next.Views, 0);
            Completions.CopyTo(next.Completions, 0);
            Velocity.CopyTo(next.Velocity, 0);
            VelocityAt.CopyTo(next.VelocityAt, 0);
            Pushes.CopyTo(next.Pushes, 0);
            return next;
        }
    }
}
