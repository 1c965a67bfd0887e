using System.Buffers;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Retrieval;

/// <summary>
/// Multi-path candidate retrieval with per-path quotas and provenance:
/// <list type="number">
/// <item>embedding: nearest neighbours of the user's query vector in <see cref="IVideoIndex"/>;</item>
/// <item>similar: neighbours of the most recently engaged videos (the quota split over similar-seeds seeds; a seed's
/// neighbour list is reused until the index re-indexes the seed, at most similar-cache-ttl, see
/// <see cref="SimilarVideosCache"/>);</item>
/// <item>trending: <see cref="ITrendingSource"/> for the request's region (or the user's last region);</item>
/// <item>following: the newest videos (within following-max-age) of followed creators;</item>
/// <item>new: videos in their cold-start test audience, from a seed-dependent offset so users see different ones;</item>
/// <item>coengaged: the strongest partners of the user's recent positives in the <see cref="CoEngagementTable"/>.</item>
/// </list>
/// Every candidate, whatever its path, also gets its co-engagement score with the user's recent positives
/// (<see cref="Candidate.CoEngagement"/>), a feature of the ranker's mix. The table learns in the user's turn
/// (<see cref="RecordCoEngagement"/>, after each applied event).
/// Each path asks its source for quota × oversample items (the embedding path first for fewer, see
/// <c>SearchEmbedding</c>) and keeps the first quota new ones that pass the filters:
/// not seen (the user's Bloom filter), not blocked, primary or any hashtag not muted, moderation approved. A video
/// found by several paths is kept once with all their tags. Reads the user's state, so it runs in the user's turn.
/// </summary>
public sealed class CandidateRetriever
{
    private readonly VideoCatalog _catalog;
    private readonly IVideoIndex _index;
    private readonly ITrendingSource _trending;
    private readonly FeedSettings _settings;
    private readonly SimilarVideosCache _similar;

    public CandidateRetriever(VideoCatalog catalog, IVideoIndex index, ITrendingSource trending, FeedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(trending);
        ArgumentNullException.ThrowIfNull(settings);
        if (index.Dimension != settings.EmbeddingDim || catalog.Dimension != settings.EmbeddingDim)
        {
            throw new ArgumentException($"catalog ({catalog.Dimension}) and index ({index.Dimension}) must have the embedding dimension {settings.EmbeddingDim}");
        }

        _catalog = catalog;
        _index = index;
        _trending = trending;
        _settings = settings;
        _similar = new SimilarVideosCache(settings.Retrieval.SimilarCacheTtl, settings.Retrieval.SimilarCacheCapacity);
        var r = settings.Retrieval;
        CoEngagement = new CoEngagementTable(r.CoEngagementNeighbours, r.CoEngagementWindow, r.CoEngagementDecay);
    }

    /// <summary>This node's item-to-item co-engagement table (keyed by catalog row).</summary>
    public CoEngagementTable CoEngagement { get; }

    /// <summary>
    /// Teaches the co-engagement table the event just applied to <paramref name="user"/> on the video with key
    /// <paramref name="videoKey"/>: a no-op unless it was a positive. Runs in the user's turn, after the apply.
    /// </summary>
    public void RecordCoEngagement(UserState user, ulong videoKey)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!user.LastEventPositive || !_catalog.TryGetRow(videoKey, out var row))
        {
            return;
        }

        Span<int> seeds = stackalloc int[CoEngagement.Window];
        var n = RecentRows(user, videoKey, seeds);
        CoEngagement.Record(row, seeds[..n]);
    }

    /// <summary>The catalog rows of the user's recent positives other than <paramref name="skipKey"/>, most recent first.</summary>
    public int RecentRows(UserState user, ulong skipKey, Span<int> destination)
    {
        ArgumentNullException.ThrowIfNull(user);
        var n = 0;
        for (var age = 0; age < user.RecentCount && n < destination.Length; age++)
        {
            var key = user.RecentVideo(age);
            if (key != skipKey && _catalog.TryGetRow(key, out var row))
            {
                destination[n++] = row;
            }
        }

        return n;
    }

    public CandidateSet Retrieve(UserState user, string? region, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(user);
        var r = _settings.Retrieval;
        var query = new float[_settings.EmbeddingDim];
        user.BuildQuery(now, _settings.Ranking.SessionBlend, query);
        var seed = StableHash.Combine(StableHash.Key("user:", user.UserId), (ulong)user.EventCount);
        var capacity = r.EmbeddingQuota + r.SimilarQuota + r.TrendingQuota + r.FollowingQuota + r.ColdStartQuota + r.CoEngagedQuota;
        var set = new CandidateSet(user.UserId, query, now, region ?? user.Region ?? string.Empty, seed, capacity) { StateVersion = user.EventCount };

        var maxAsk = (int)Math.Ceiling(Math.Max(r.EmbeddingQuota, Math.Max(r.TrendingQuota, 1)) * r.Oversample) + 1;
        var rows = ArrayPool<int>.Shared.Rent(maxAsk);
        var scores = ArrayPool<float>.Shared.Rent(maxAsk);
        try
        {
            RetrieveByEmbedding(set, user, query, now, rows, scores);
            if (r.TrendingQuota > 0)
            {
                var ask = Math.Min(Ask(r.TrendingQuota), rows.Length);
                var n = _trending.Top(set.Region, now, rows.AsSpan(0, ask), scores.AsSpan(0, ask));
                Take(set, user, rows.AsSpan(0, n), scores.AsSpan(0, n), RetrievalSource.Trending, r.TrendingQuota, -1);
            }

            RetrieveFollowing(set, user, now);
            RetrieveColdStart(set, user);
            RetrieveCoEngaged(set, user);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(scores);
        }

        foreach (ref var c in set.Items)
        {
            var info = _catalog.Info(c.Row);
            c.TopicFatigue = info.Topic.Length == 0 ? 0f : user.TopicFatigue(info.TopicKey, now);
            c.CreatorFatigue = user.CreatorFatigue(info.CreatorKey, now);
            c.FollowedCreator = user.IsFollowing(info.CreatorKey);
        }

        // The row index is done with: back to its pool now rather than after ranking (the set waits in a queue).
        set.CompleteRetrieval();
        return set;
    }

    /// <summary>True when the video may be shown to the user; counts the reason otherwise.</summary>
    public static bool Allowed(UserState user, VideoRowInfo info, ref FilterCounts counts)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(info);
        return Allowed(user, info.VideoKey, info.Moderation == ModerationState.Approved, info, null, 0, ref counts);
    }

    /// <summary>
    /// The same checks for a catalog row, reading its key and moderation from the catalog's dense arrays: hundreds of
    /// rows are filtered per feed, and a row's metadata object lies elsewhere in memory (a cache miss per row), so it
    /// is read only for a user with muted topics.
    /// </summary>
    private bool Allowed(UserState user, int row, ref FilterCounts counts)
    {
        var key = _catalog.FilterFacts(row, out var approved);
        return Allowed(user, key, approved, null, _catalog, row, ref counts);
    }

    // The metadata (for the hashtags) is info, or else the catalog's row.
    private static bool Allowed(UserState user, ulong videoKey, bool approved, VideoRowInfo? info, VideoCatalog? catalog, int row, ref FilterCounts counts)
    {
        if (!approved)
        {
            counts.Moderated++;
            return false;
        }

        if (user.IsBlocked(videoKey))
        {
            counts.Blocked++;
            return false;
        }

        if (user.MutedTopicCount > 0)
        {
            foreach (var tag in (info ?? catalog!.Info(row)).HashtagKeys)
            {
                if (user.IsMuted(tag))
                {
                    counts.Muted++;
                    return false;
                }
            }
        }

        if (user.HasSeen(videoKey))
        {
            counts.Seen++;
            return false;
        }

        return true;
    }

    private int Ask(int quota) => (int)Math.Ceiling(quota * _settings.Retrieval.Oversample);

    private int Take(CandidateSet set, UserState user, ReadOnlySpan<int> rows, ReadOnlySpan<float> scores, RetrievalSource source, int quota, int excludeRow)
    {
        var added = 0;
        for (var i = 0; i < rows.Length && added < quota; i++)
        {
            var row = rows[i];
            if (row == excludeRow)
            {
                continue;
            }

            if (set.Contains(row))
            {
                set.Add(row, source, scores[i]);
                continue;
            }

            if (Allowed(user, row, ref set.Filtered) && set.Add(row, source, scores[i]))
            {
                added++;
            }
        }

        return added;
    }

    /// <summary>
    /// The embedding and similar paths. Seeds whose neighbour lists are cached are served from the cache; the user
    /// query and the uncached seeds go to the index together in one pass when it supports several queries at once
    /// (the exact scan reads the whole matrix per pass, so this is what keeps a feed at one scan).
    /// </summary>
    private void RetrieveByEmbedding(CandidateSet set, UserState user, float[] query, DateTimeOffset now, int[] rows, float[] scores)
    {
        var r = _settings.Retrieval;
        var dim = _settings.EmbeddingDim;
        var seedCount = r.SimilarQuota == 0 ? 0 : Math.Min(r.SimilarSeeds, user.RecentCount);
        var perSeed = seedCount == 0 ? 0 : Math.Max(1, r.SimilarQuota / seedCount);
        var askSimilar = Ask(perSeed) + 1;
        var seedRows = new int[seedCount];
        var lists = new (int[] Rows, float[] Scores)[seedCount];
        var misses = new List<int>(seedCount);
        for (var i = 0; i < seedCount; i++)
        {
            seedRows[i] = _catalog.TryGetRow(user.RecentVideo(i), out var row) ? row : -1;
            if (seedRows[i] < 0)
            {
                continue;
            }

            if (_similar.TryGet(seedRows[i], askSimilar, now, SimilarVideosCache.VersionOf(_index, seedRows[i]), out var cachedRows, out var cachedScores))
            {
                lists[i] = (cachedRows, cachedScores);
            }
            else
            {
                misses.Add(i);
            }
        }

        var askEmbedding = r.EmbeddingQuota > 0 ? Ask(r.EmbeddingQuota) : 0;
        if (_index is IMultiQueryVideoIndex multi && (askEmbedding > 0 || misses.Count > 0))
        {
            var m = 1 + misses.Count;
            var queries = new float[m * dim];
            var k = new int[m];
            query.CopyTo(queries, 0);
            k[0] = askEmbedding;
            for (var j = 0; j < misses.Count; j++)
            {
                _catalog.Row(seedRows[misses[j]]).CopyTo(queries.AsSpan((j + 1) * dim, dim));
                k[j + 1] = askSimilar;
            }

            var total = askEmbedding + (misses.Count * askSimilar);
            var allRows = new int[total];
            var allScores = new float[total];
            var counts = new int[m];
            multi.SearchMany(queries, k, allRows, allScores, counts);
            Take(set, user, allRows.AsSpan(0, counts[0]), allScores.AsSpan(0, counts[0]), RetrievalSource.Embedding, r.EmbeddingQuota, -1);
            var offset = askEmbedding;
            for (var j = 0; j < misses.Count; j++)
            {
                var found = (allRows.AsSpan(offset, counts[j + 1]).ToArray(), allScores.AsSpan(offset, counts[j + 1]).ToArray());
                _similar.Put(seedRows[misses[j]], askSimilar, now, SimilarVideosCache.VersionOf(_index, seedRows[misses[j]]), found.Item1, found.Item2);
                lists[misses[j]] = found;
                offset += askSimilar;
            }
        }
        else
        {
            if (askEmbedding > 0)
            {
                SearchEmbedding(set, user, query, askEmbedding, rows, scores);
            }

            foreach (var i in misses)
            {
                lists[i] = _similar.Get(_index, seedRows[i], _catalog.Row(seedRows[i]), askSimilar, now);
            }
        }

        for (var i = 0; i < seedCount; i++)
        {
            if (seedRows[i] >= 0)
            {
                Take(set, user, lists[i].Rows, lists[i].Scores, RetrievalSource.Similar, perSeed, seedRows[i]);
            }
        }
    }

    /// <summary>
    /// The embedding path on an index that answers one query at a time: a first search for
    /// quota × embedding-first-oversample; when the filters leave fewer than the quota, a second, wider one for
    /// quota × oversample (<paramref name="ask"/>) whose rows not already offered by the first fill the rest. A feed
    /// thus gets the same candidates as with one wide search (up to the approximation of the narrower search) at the
    /// cost of the narrower one unless its user has seen much of their neighbourhood.
    /// </summary>
    private void SearchEmbedding(CandidateSet set, UserState user, float[] query, int ask, int[] rows, float[] scores)
    {
        var quota = _settings.Retrieval.EmbeddingQuota;
        var first = Math.Min(ask, (int)Math.Ceiling(quota * _settings.Retrieval.EmbeddingFirstOversample));
        var n = _index.Search(query, first, rows, scores);
        var taken = Take(set, user, rows.AsSpan(0, n), scores.AsSpan(0, n), RetrievalSource.Embedding, quota, -1);
        if (taken >= quota || n < first || first >= ask)
        {
            return;
        }

        // The first rows were offered already (taken, merged or filtered and counted): the second pass skips them.
        var offered = ArrayPool<int>.Shared.Rent(n);
        try
        {
            rows.AsSpan(0, n).CopyTo(offered);
            var seen = offered.AsSpan(0, n);
            seen.Sort();
            var m = _index.Search(query, ask, rows, scores);
            var kept = 0;
            for (var i = 0; i < m; i++)
            {
                if (seen.BinarySearch(rows[i]) < 0)
                {
                    rows[kept] = rows[i];
                    scores[kept] = scores[i];
                    kept++;
                }
            }

            Take(set, user, rows.AsSpan(0, kept), scores.AsSpan(0, kept), RetrievalSource.Embedding, quota - taken, -1);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(offered);
        }
    }

    /// <summary>The co-engaged path, then the co-engagement feature of every candidate (one gather, pooled buffers).</summary>
    private void RetrieveCoEngaged(CandidateSet set, UserState user)
    {
        if (user.RecentCount == 0)
        {
            return;
        }

        Span<int> seeds = stackalloc int[CoEngagement.Window];
        var seedCount = RecentRows(user, ulong.MaxValue, seeds);
        var size = CoEngagement.Window * CoEngagement.Neighbours;
        var rows = ArrayPool<int>.Shared.Rent(size);
        var scores = ArrayPool<float>.Shared.Rent(size);
        try
        {
            // Only the head the path is likely to read is ordered; the rest is sorted only if the filters leave the
            // quota short (the feature loop below reads every entry, in any order).
            var quota = _settings.Retrieval.CoEngagedQuota;
            var ordered = quota > 0 ? Ask(quota) : 0;
            var n = CoEngagement.Gather(seeds[..seedCount], rows.AsSpan(0, size), scores.AsSpan(0, size), ordered);
            if (quota > 0)
            {
                var head = Math.Min(n, ordered);
                var added = Take(set, user, rows.AsSpan(0, head), scores.AsSpan(0, head), RetrievalSource.CoEngaged, quota, -1);
                if (added < quota && head < n)
                {
                    CoEngagementTable.SortBestFirst(rows.AsSpan(head, n - head), scores.AsSpan(head, n - head));
                    Take(set, user, rows.AsSpan(head, n - head), scores.AsSpan(head, n - head), RetrievalSource.CoEngaged, quota - added, -1);
                }
            }

            for (var i = 0; i < n; i++)
            {
                if (set.IndexOf(rows[i]) is var at and >= 0)
                {
                    set[at].CoEngagement = scores[i];
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(scores);
        }
    }

    private void RetrieveFollowing(CandidateSet set, UserState user, DateTimeOffset now)
    {
        var quota = _settings.Retrieval.FollowingQuota;
        var follows = user.RelationKeys;
        if (quota == 0 || user.FollowCount == 0)
        {
            return;
        }

        var perCreator = Math.Max(1, quota / user.FollowCount);
        var oldest = now - _settings.Retrieval.FollowingMaxAge;
        var added = 0;
        foreach (var creator in follows)
        {
            if (!DomainKeys.IsCreator(creator))
            {
                continue;
            }

            var rows = _catalog.RowsOfCreator(creator);
            var taken = 0;
            for (var i = rows.Length - 1; i >= 0 && taken < perCreator && added < quota; i--)
            {
                var info = _catalog.Info(rows[i]);
                if (info.UploadedAt < oldest)
                {
                    continue;
                }

                if (set.Contains(rows[i]))
                {
                    set.Add(rows[i], RetrievalSource.Following, 0f);
                    continue;
                }

                if (Allowed(user, info, ref set.Filtered) && set.Add(rows[i], RetrievalSource.Following, 0f))
                {
                    taken++;
                    added++;
                }
            }

            if (added >= quota)
            {
                return;
            }
        }
    }

    private void RetrieveColdStart(CandidateSet set, UserState user)
    {
        var quota = _settings.Retrieval.ColdStartQuota;
        var pool = _catalog.ColdStartRows();
        if (quota == 0 || pool.Length == 0)
        {
            return;
        }

        var start = (int)(set.Seed % (ulong)pool.Length);
        var budget = Math.Min(pool.Length, Ask(quota));
        var added = 0;
        for (var i = 0; i < budget && added < quota; i++)
        {
            var row = pool[(start + i) % pool.Length];

            // A stage whose pool of placements is used up waits for its judgement instead of being pushed further
            // (not tagged "new" either, so exploration slots skip it too).
            if (!_catalog.HasPoolLeft(row))
            {
                continue;
            }

            if (set.Contains(row))
            {
                set.Add(row, RetrievalSource.ColdStart, 0f);
                continue;
            }

            if (Allowed(user, row, ref set.Filtered) && set.Add(row, RetrievalSource.ColdStart, 0f))
            {
                added++;
            }
        }
    }
}
