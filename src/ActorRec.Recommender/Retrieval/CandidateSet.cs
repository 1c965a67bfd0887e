using System.Diagnostics;
using ActorRec.Recommender.Reranking;

namespace ActorRec.Recommender.Retrieval;

/// <summary>
/// Scores of one candidate by part; <see cref="Total"/> is the weighted mix (see FeedRanker), <see cref="Model"/>
/// the blended task mix of the ranking model included in it.
/// </summary>
public readonly record struct ScoreParts(float Engage, float Completion, float Velocity, float FollowBonus, float Total, float Model = 0f, float CoEngage = 0f);

/// <summary>One retrieved video on its way through ranking and re-ranking.</summary>
[DebuggerDisplay("row {Row} {Sources} score {Score}")]
public struct Candidate
{
    public int Row;

    /// <summary>Every path that produced it.</summary>
    public RetrievalSource Sources;

    /// <summary>Best similarity / velocity any path reported (for explanations).</summary>
    public float RetrievalScore;

    /// <summary>The user's decayed fatigue for the video's topic and creator at request time.</summary>
    public float TopicFatigue;

    public float CreatorFatigue;

    public bool FollowedCreator;

    /// <summary>Co-engagement score with the user's recent positives (see <see cref="CoEngagementTable"/>).</summary>
    public float CoEngagement;

    public ScoreParts Parts;

    /// <summary>The ranking model's task predictions (when <see cref="Modeled"/>).</summary>
    public Model.TaskPredictions Tasks;

    /// <summary>Whether the ranking model re-scored this candidate.</summary>
    public bool Modeled;

    /// <summary>The current score: the ranking total, then adjusted by re-ranking.</summary>
    public float Score;

    /// <summary>Re-ranking adjustments, in order (null while none).</summary>
    public List<Adjustment>? Adjustments;
}

/// <summary>Counters of candidates dropped by the retrieval filters.</summary>
public struct FilterCounts
{
    public int Seen;
    public int Blocked;
    public int Muted;
    public int Moderated;
}

/// <summary>
/// The candidates of one feed request, deduplicated by catalog row with the union of their provenance, plus the
/// query vector built from the user's state. Produced by <see cref="CandidateRetriever"/> inside the user's turn
/// (it reads the user's state), then scored in a micro-batch and re-ranked, neither of which touches the user.
/// </summary>
public sealed class CandidateSet
{
    private readonly Dictionary<int, int> _indexByRow;
    private Candidate[] _items;

    public CandidateSet(string userId, float[] query, DateTimeOffset now, string region, ulong seed, int capacity = 256)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(query);
        UserId = userId;
        Query = query;
        Now = now;
        Region = region;
        Seed = seed;
        // Sized once for the whole retrieval (the sum of the path quotas): growing the array and the dictionary
        // step by step was most of a feed's garbage.
        _items = new Candidate[Math.Max(8, capacity)];
        _indexByRow = new Dictionary<int, int>(Math.Max(8, capacity));
    }

    public string UserId { get; }

    /// <summary>The blended long-term + session query vector.</summary>
    public float[] Query { get; }

    public DateTimeOffset Now { get; }

    public string Region { get; }

    /// <summary>Deterministic seed for exploration choices of this request.</summary>
    public ulong Seed { get; }

    /// <summary>The user's event count when the set was retrieved: the version of the state this feed reflects.</summary>
    public long StateVersion { get; init; }

    public int Count { get; private set; }

    /// <summary>The user's long-term embedding (the ranking model's user input); set by the feed pipeline.</summary>
    public float[]? UserEmbedding { get; set; }

    /// <summary>Events the user has produced (drives the exploration share).</summary>
    public long UserEvents { get; set; }

    /// <summary>The user's device (ranking context); empty when unknown.</summary>
    public string Device { get; set; } = string.Empty;

    /// <summary>Feed parameters of the user's experiment arms (null: the settings' own).</summary>
    public Experiments.FeedParameters? Parameters { get; set; }

    /// <summary>The user's experiment arms ("experiment:arm"), for explanations.</summary>
    public IReadOnlyList<string> ExperimentArms { get; set; } = [];

    public FilterCounts Filtered;

    public Span<Candidate> Items => _items.AsSpan(0, Count);

    public ref Candidate this[int index] => ref _items[index];

    public bool Contains(int row) => _indexByRow.ContainsKey(row);

    /// <summary>The index of <paramref name="row"/>'s candidate, or -1.</summary>
    public int IndexOf(int row) => _indexByRow.TryGetValue(row, out var i) ? i : -1;

    /// <summary>Adds <paramref name="row"/> from <paramref name="source"/>, or merges the provenance when present; returns true when it is new.</summary>
    public bool Add(int row, RetrievalSource source, float retrievalScore)
    {
        if (_indexByRow.TryGetValue(row, out var i))
        {
            ref var c = ref _items[i];
            c.Sources |= source;
            c.RetrievalScore = Math.Max(c.RetrievalScore, retrievalScore);
            return false;
        }

        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[Count] = new Candidate { Row = row, Sources = source, RetrievalScore = retrievalScore };
        _indexByRow[row] = Count;
        Count++;
        return true;
    }
}
