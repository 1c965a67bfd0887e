using ActorRec.Recommender.Features;

namespace ActorRec.Recommender.Trends;

/// <summary>What is trending.</summary>
public enum TrendKind
{
    /// <summary>Videos.</summary>
    Video,

    /// <summary>Hashtags.</summary>
    Hashtag,

    /// <summary>Sounds.</summary>
    Sound,
}

/// <summary>A trending key with its engagement velocity (weighted events per minute over the window) and its label when recorded with one.</summary>
public readonly record struct TrendEntry(ulong Key, double PerMinute, string? Label = null);

/// <summary>Settings of the <see cref="TrendTracker"/>.</summary>
/// <param name="BucketDuration">Width of one time bucket.</param>
/// <param name="Buckets">Buckets in the sliding window (window = Buckets × BucketDuration).</param>
/// <param name="HeavyHitters">Space-saving capacity per bucket, region and kind (the top-N candidates).</param>
/// <param name="SketchWidth">Count-min width per bucket, region and kind.</param>
/// <param name="SketchDepth">Count-min depth.</param>
/// <param name="MaxRegions">Regions tracked; events for further regions are counted under "*other*".</param>
public sealed record TrendSettings(TimeSpan BucketDuration = default, int Buckets = 12, int HeavyHitters = 200, int SketchWidth = 2048, int SketchDepth = 4, int MaxRegions = 64)
{
    /// <summary>Bucket width in force (5 minutes when left at default).</summary>
    public TimeSpan EffectiveBucketDuration => BucketDuration == default ? TimeSpan.FromMinutes(5) : BucketDuration;

    /// <summary>Validates and names the bad key.</summary>
    public static TrendSettings Create(TrendSettings values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.BucketDuration < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException("trends.bucket-duration", values.BucketDuration, "trends.bucket-duration must be positive.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(values.Buckets, "trends.buckets");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(values.HeavyHitters, "trends.heavy-hitters");
        ArgumentOutOfRangeException.ThrowIfLessThan(values.SketchWidth, 16, "trends.sketch-width");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(values.SketchDepth, "trends.sketch-depth");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(values.MaxRegions, "trends.max-regions");
        return values;
    }
}

/// <summary>
/// Engagement velocity of videos, hashtags and sounds per region over a sliding window, in bounded memory.
/// </summary>
/// <remarks>
/// Time is cut into buckets on the injected <see cref="TimeProvider"/>; a ring of <c>Buckets</c> slots holds, per
/// region and kind, a count-min sketch (point estimates of any key) and a space-saving summary (the bucket's heavy
/// hitters). A slot is cleared when time wraps onto it, so the window slides bucket by bucket. A top-N query takes
/// the union of the heavy hitters of the live buckets as candidates and scores each by the sum of its count-min
/// estimates over those buckets, divided by the window length in minutes. Memory per region and kind is at most
/// Buckets × (SketchWidth × SketchDepth × 4 B + HeavyHitters × ~40 B), independent of traffic; a bucket's sketch and
/// summary are allocated when time first reaches it with an event of the region (about 45 KB a bucket and kind at the
/// defaults, so a region first seen a minute ago holds one bucket, not twelve). Thread-safe
/// through one lock (the recording path is a few hashes).
/// </remarks>
public sealed class TrendTracker
{
    private const string OtherRegion = "*other*";
    private readonly TrendSettings _settings;
    private readonly TimeProvider _time;
    private readonly long _bucketTicks;
    private readonly object _lock = new();
    private readonly Dictionary<string, Slot?[]> _regions = new(StringComparer.Ordinal);

    /// <summary>Creates a tracker.</summary>
    public TrendTracker(TrendSettings? settings = null, TimeProvider? time = null)
    {
        _settings = TrendSettings.Create(settings ?? new TrendSettings());
        _time = time ?? TimeProvider.System;
        _bucketTicks = _settings.EffectiveBucketDuration.Ticks;
    }

    /// <summary>Length of the sliding window.</summary>
    public TimeSpan Window => TimeSpan.FromTicks(_bucketTicks * _settings.Buckets);

    /// <summary>Regions with data.</summary>
    public int RegionCount
    {
        get
        {
            lock (_lock)
            {
                return _regions.Count;
            }
        }
    }

    /// <summary>Stable key of a string id (hashtag text, sound id, video id) for <see cref="Record"/>.</summary>
    public static ulong KeyOf(string id) => Hashing.Fnv1a64(id ?? throw new ArgumentNullException(nameof(id)));

    /// <summary>Records engagement of <paramref name="weight"/> for a key in a region, now.</summary>
    public void Record(TrendKind kind, string region, ulong key, double weight = 1.0, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(region);
        if (!(weight > 0) || !double.IsFinite(weight))
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "weight must be positive and finite.");
        }

        var epoch = _time.GetUtcNow().UtcTicks / _bucketTicks;
        lock (_lock)
        {
            var slot = SlotFor(RegionSlots(region, create: true)!, epoch);
            var k = (int)kind;
            slot.Sketches[k].Add(key, (uint)Math.Max(1, Math.Round(weight)));
            slot.HeavyHitters[k].Add(key, weight, label);
        }
    }

    /// <summary>The <paramref name="n"/> fastest keys of a kind in a region over the window, fastest first.</summary>
    public IReadOnlyList<TrendEntry> Top(TrendKind kind, string region, int n)
    {
        ArgumentNullException.ThrowIfNull(region);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        var epoch = _time.GetUtcNow().UtcTicks / _bucketTicks;
        var minutes = Window.TotalMinutes;
        lock (_lock)
        {
            var slots = RegionSlots(region, create: false);
            if (slots is null)
            {
                return [];
            }

            var k = (int)kind;
            var candidates = new HashSet<ulong>();
            foreach (var slot in slots)
            {
                if (slot is not null && Live(slot, epoch))
                {
                    slot.HeavyHitters[k].CopyKeysTo(candidates);
                }
            }

            var entries = new List<TrendEntry>(candidates.Count);
            foreach (var key in candidates)
            {
                double total = 0;
                string? label = null;
                foreach (var slot in slots)
                {
                    if (slot is not null && Live(slot, epoch))
                    {
                        total += slot.Sketches[k].Estimate(key);
                        label ??= slot.HeavyHitters[k].Label(key);
                    }
                }

                entries.Add(new TrendEntry(key, total / minutes, label));
            }

            entries.Sort(static (a, b) => b.PerMinute != a.PerMinute ? b.PerMinute.CompareTo(a.PerMinute) : a.Key.CompareTo(b.Key));
            return entries.Count > n ? entries.GetRange(0, n) : entries;
        }
    }

    private bool Live(Slot slot, long epoch) => slot.Epoch > epoch - _settings.Buckets && slot.Epoch <= epoch;

    private Slot?[]? RegionSlots(string region, bool create)
    {
        if (_regions.TryGetValue(region, out var slots))
        {
            return slots;
        }

        if (!create)
        {
            return null;
        }

        if (_regions.Count >= _settings.MaxRegions)
        {
            region = OtherRegion;
            if (_regions.TryGetValue(region, out slots))
            {
                return slots;
            }
        }

        slots = new Slot?[_settings.Buckets];
        _regions[region] = slots;
        return slots;
    }

    private Slot SlotFor(Slot?[] slots, long epoch)
    {
        var slot = slots[(int)(epoch % _settings.Buckets)] ??= new Slot(_settings);
        if (slot.Epoch != epoch)
        {
            slot.Reset(epoch);
        }

        return slot;
    }

    private sealed class Slot
    {
        public readonly CountMinSketch[] Sketches;
        public readonly SpaceSaving[] HeavyHitters;
        public long Epoch = long.MinValue;

        public Slot(TrendSettings settings)
        {
            Sketches = new CountMinSketch[3];
            HeavyHitters = new SpaceSaving[3];
            for (var k = 0; k < 3; k++)
            {
                Sketches[k] = new CountMinSketch(settings.SketchWidth, settings.SketchDepth, seed: 1_000 + k);
                HeavyHitters[k] = new SpaceSaving(settings.HeavyHitters);
            }

        }

        public void Reset(long epoch)
        {
            Epoch = epoch;
            for (var k = 0; k < 3; k++)
            {
                Sketches[k].Clear();
                HeavyHitters[k].Clear();
            }
        }
    }
}
