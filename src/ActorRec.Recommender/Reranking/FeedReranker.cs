using System.Globalization;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Ranking;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Reranking;

/// <summary>One item of a finished feed.</summary>
public sealed record FeedItem(string VideoId, int Row, float Score, RetrievalSource Sources, ScoreParts Parts, float RetrievalScore, IReadOnlyList<Adjustment> Adjustments);

/// <summary>A finished feed with the filter counts of its retrieval.</summary>
public sealed record FeedResult(string UserId, IReadOnlyList<FeedItem> Items, FilterCounts Filtered, int Candidates);

/// <summary>
/// Turns a scored candidate set into the feed, in four steps, each recorded on the items it touches:
/// <list type="number">
/// <item>moderation: candidates whose video is no longer approved are dropped (the catalog is re-read, since it may
/// have changed since retrieval);</item>
/// <item>fatigue: score × (1 − max-penalty·(1 − e^−(topic-weight·topic fatigue + creator-weight·creator fatigue))),
/// a penalty that saturates at max-penalty, then re-sort;</item>
/// <item>exploration: every exploration-every-th position (5th, 10th, … by default) is filled with a candidate from
/// the cold-start path, chosen uniformly by a generator seeded with the set's seed (deterministic for a given user
/// state);</item>
/// <item>diversity: positions are filled greedily in score order, skipping a candidate whose creator already appears
/// max-per-creator times, or whose primary topic appears max-per-topic times, among the previous
/// diversity-window − 1 positions; when every remaining candidate breaks a cap, the best one is placed anyway
/// (cap_relaxed).</item>
/// </list>
/// </summary>
public sealed class FeedReranker
{
    private readonly VideoCatalog _catalog;
    private readonly FeedSettings _settings;

    public FeedReranker(VideoCatalog catalog, FeedSettings settings)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(settings);
        _catalog = catalog;
        _settings = settings;
    }

    public FeedResult Rerank(CandidateSet set, int count)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var s = _settings.Rerank;
        var items = set.Items;
        for (var i = 0; i < items.Length; i++)
        {
            ref var c = ref items[i];
            if (_catalog.Info(c.Row).Moderation != ModerationState.Approved)
            {
                set.Filtered.Moderated++;
                continue;
            }

            ApplyFatigue(ref c, s);
        }

        FeedRanker.Sort(items);
        var pool = new List<int>(set.Count);
        for (var i = 0; i < items.Length; i++)
        {
            if (_catalog.Info(items[i].Row).Moderation == ModerationState.Approved)
            {
                pool.Add(i);
            }
        }

        var placed = new List<int>(Math.Min(count, pool.Count));
        var used = new bool[items.Length];
        var rng = new SplitMix(set.Seed);
        while (placed.Count < count)
        {
            var position = placed.Count;
            var pick = -1;
            if (s.ExplorationEvery > 0 && (position + 1) % s.ExplorationEvery == 0)
            {
                pick = PickExploration(set, pool, used, placed, ref rng, position);
            }

            if (pick < 0)
            {
                pick = PickDiverse(set, pool, used, placed, position);
            }

            if (pick < 0)
            {
                break;
            }

            used[pick] = true;
            placed.Add(pick);
        }

        var result = new FeedItem[placed.Count];
        for (var p = 0; p < placed.Count; p++)
        {
            ref var c = ref set[placed[p]];
            result[p] = new FeedItem(_catalog.Info(c.Row).VideoId, c.Row, c.Score, c.Sources, c.Parts, c.RetrievalScore, (IReadOnlyList<Adjustment>?)c.Adjustments ?? []);
        }

        return new FeedResult(set.UserId, result, set.Filtered, set.Count);
    }

    private void ApplyFatigue(ref Candidate c, RerankSettings s)
    {
        var penalty = s.MaxFatiguePenalty * (1f - MathF.Exp(-((s.TopicFatigueWeight * c.TopicFatigue) + (s.CreatorFatigueWeight * c.CreatorFatigue))));
        if (penalty <= 0f)
        {
            return;
        }

        var before = c.Score;
        c.Score *= 1f - penalty;
        Note(ref c, new Adjustment(
            "fatigue",
            string.Create(CultureInfo.InvariantCulture, $"topic fatigue {c.TopicFatigue:0.##}, creator fatigue {c.CreatorFatigue:0.##}: score x{1f - penalty:0.###}"),
            c.Score - before));
    }

    private int PickExploration(CandidateSet set, List<int> pool, bool[] used, List<int> placed, ref SplitMix rng, int position)
    {
        var eligible = 0;
        foreach (var i in pool)
        {
            eligible += !used[i] && (set[i].Sources & RetrievalSource.ColdStart) != 0 ? 1 : 0;
        }

        if (eligible == 0)
        {
            return -1;
        }

        var target = (int)(rng.Next() % (ulong)eligible);
        foreach (var i in pool)
        {
            if (used[i] || (set[i].Sources & RetrievalSource.ColdStart) == 0)
            {
                continue;
            }

            if (target-- == 0)
            {
                var cap = CapBroken(set, placed, i);
                Note(ref set[i], new Adjustment(
                    "exploration",
                    string.Create(CultureInfo.InvariantCulture, $"exploration slot at position {position + 1} (1 of {eligible} new videos){(cap is null ? string.Empty : $"; {cap} cap relaxed")}"),
                    0f));
                return i;
            }
        }

        return -1;
    }

    private int PickDiverse(CandidateSet set, List<int> pool, bool[] used, List<int> placed, int position)
    {
        var firstFree = -1;
        foreach (var i in pool)
        {
            if (used[i])
            {
                continue;
            }

            firstFree = firstFree < 0 ? i : firstFree;
            var cap = CapBroken(set, placed, i);
            if (cap is null)
            {
                return i;
            }

            if (!HasDiversityNote(set[i].Adjustments))
            {
                Note(ref set[i], new Adjustment("diversity", string.Create(CultureInfo.InvariantCulture, $"held back at position {position + 1} by the {cap} cap"), 0f));
            }
        }

        if (firstFree >= 0)
        {
            Note(ref set[firstFree], new Adjustment("cap_relaxed", string.Create(CultureInfo.InvariantCulture, $"placed at position {position + 1} despite caps: no other candidate left"), 0f));
        }

        return firstFree;
    }

    private static bool HasDiversityNote(List<Adjustment>? list)
    {
        if (list is null)
        {
            return false;
        }

        foreach (var a in list)
        {
            if (a.Kind == "diversity")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Which cap placing candidate <paramref name="index"/> next would break ("creator"/"topic"), or null.</summary>
    private string? CapBroken(CandidateSet set, List<int> placed, int index)
    {
        var s = _settings.Rerank;
        var info = _catalog.Info(set[index].Row);
        var creators = 0;
        var topics = 0;
        for (var p = Math.Max(0, placed.Count - (s.DiversityWindow - 1)); p < placed.Count; p++)
        {
            var other = _catalog.Info(set[placed[p]].Row);
            creators += other.CreatorKey == info.CreatorKey ? 1 : 0;
            topics += info.Topic.Length > 0 && other.TopicKey == info.TopicKey ? 1 : 0;
        }

        return creators >= s.MaxPerCreatorInWindow ? "creator"
            : topics >= s.MaxPerTopicInWindow ? "topic"
            : null;
    }

    private static void Note(ref Candidate c, Adjustment a) => (c.Adjustments ??= []).Add(a);

    /// <summary>SplitMix64: a tiny deterministic generator.</summary>
    private struct SplitMix(ulong seed)
    {
        private ulong _state = seed;

        public ulong Next()
        {
            _state += 0x9e3779b97f4a7c15UL;
            return StableHash.Mix(_state);
        }
    }
}
