using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Retrieval;

/// <summary>Videos trending in a region, best first (catalog rows).</summary>
public interface ITrendingSource
{
    /// <summary>Writes up to <c>rows.Length</c> trending rows for <paramref name="region"/> (best first); returns how many.</summary>
    int Top(string region, DateTimeOffset now, Span<int> rows, Span<float> velocities);
}

/// <summary>
/// Trending by decayed engagement velocity (the catalog's per-video velocity, decayed to now). Videos of the region
/// and videos without a region count for every region; the empty region means worldwide. A region's list is computed by a scan of the catalog and
/// cached for trending-refresh, so a feed request does not scan; the clock is the caller's <c>now</c>.
/// The sketch-based per-region trends of the trends module can replace it through <see cref="ITrendingSource"/>.
/// </summary>
public sealed class DecayedVelocityTrending : ITrendingSource
{
    private readonly VideoCatalog _catalog;
    private readonly TimeSpan _refresh;
    private readonly TimeSpan _halfLife;
    private readonly int _listSize;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _cache = new(StringComparer.Ordinal);

    public DecayedVelocityTrending(VideoCatalog catalog, FeedSettings settings, int listSize = 200)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(listSize, 1);
        _catalog = catalog;
        _refresh = settings.Retrieval.TrendingRefresh;
        _halfLife = settings.Video.VelocityHalfLife;
        _listSize = listSize;
    }

    public int Top(string region, DateTimeOffset now, Span<int> rows, Span<float> velocities)
    {
        ArgumentNullException.ThrowIfNull(region);
        Entry? entry;
        lock (_lock)
        {
            if (!_cache.TryGetValue(region, out entry) || now - entry.ComputedAt >= _refresh || now < entry.ComputedAt)
            {
                entry = Compute(region, now);
                _cache[region] = entry;
            }
        }

        var n = Math.Min(Math.Min(rows.Length, velocities.Length), entry.Rows.Length);
        entry.Rows.AsSpan(0, n).CopyTo(rows);
        entry.Velocities.AsSpan(0, n).CopyTo(velocities);
        return n;
    }

    private Entry Compute(string region, DateTimeOffset now)
    {
        var rows = new int[_listSize];
        var scores = new float[_listSize];
        var top = new TopK(rows, scores);
        var count = _catalog.Count;
        for (var r = 0; r < count; r++)
        {
            var info = _catalog.Info(r);
            if (info.Moderation != Videos.ModerationState.Approved
                || (region.Length > 0 && info.Region.Length > 0 && !string.Equals(info.Region, region, StringComparison.Ordinal)))
            {
                continue;
            }

            var v = _catalog.Stats(r, now, _halfLife).Velocity;
            if (v > 0f)
            {
                top.Offer(r, v);
            }
        }

        var n = top.Drain();
        return new Entry(now, rows[..n], scores[..n]);
    }

    private sealed record Entry(DateTimeOffset ComputedAt, int[] Rows, float[] Velocities);
}

/// <summary>The wire form of <c>GET /v1/trending?region=R</c>.</summary>
public static class TrendingReport
{
    public static TrendingDto Build(ITrendingSource trending, VideoCatalog catalog, string region, DateTimeOffset now, int count = 20)
    {
        ArgumentNullException.ThrowIfNull(trending);
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(region);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var rows = new int[count];
        var velocities = new float[count];
        var n = trending.Top(region, now, rows, velocities);
        var items = new TrendingItemDto[n];
        for (var i = 0; i < n; i++)
        {
            items[i] = new TrendingItemDto(catalog.Info(rows[i]).VideoId, velocities[i]);
        }

        return new TrendingDto(region, items);
    }
}
