using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;

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

    /// <summary>The fatigue penalty re-ranking applied to the score (0: none); its explanation is built from it on demand.</summary>
    public float FatiguePenalty;

    /// <summary>The 1-based feed position at which re-ranking first held the candidate back for a cap (0: never).</summary>
    public int HeldBackAt;

    /// <summary>Which cap held it back (see <see cref="HeldBackAt"/>): 1 creator, 2 topic.</summary>
    public byte HeldBackCap;
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
/// <para>
/// The candidate array and the row index are the bulk of a feed's garbage (a few hundred ~100-byte candidates), so
/// they are rented from pools and handed back by <see cref="Release"/>, which the feed pipeline calls once the
/// set is re-ranked; a set that is never released is simply collected.
/// </para>
/// <para>
/// Why pools of their own: a set lives from retrieval until re-ranking, across the ranking actor's queue, so under
/// load a node holds one per feed in flight (~150 at 1,500 feeds/s). The shared <see cref="ArrayPool{T}"/> keeps
/// 32 arrays per core, so most rents beyond that allocated a fresh ~51 KB array that was still in flight at the next
/// gen0 GC: these arrays were more than half of everything a GC promoted (heap snapshots of <c>bench feed</c>).
/// <see cref="s_candidatePool"/> keeps up to <see cref="MaxPooledArrays"/> arrays per size (at most ~13 MB with the
/// default quotas, about one per request the HTTP in-flight bound lets in), which settle in gen2; they hold no
/// references, so the GC never scans them. The row index is needed only while paths add candidates, so the retriever
/// hands it back at once (<see cref="CompleteRetrieval"/>) and a few indexes serve every feed.
/// </para>
/// </summary>
public sealed class CandidateSet
{
    private const int MaxPooledIndexes = 64;
    private const int MaxPooledArrays = 256;
    private static readonly ConcurrentQueue<Dictionary<int, int>> s_indexPool = new();
    private static readonly ArrayPool<Candidate> s_candidatePool = ArrayPool<Candidate>.Create(4096, MaxPooledArrays);

    private Dictionary<int, int>? _indexByRow;
    private Candidate[] _items;
    private bool _released;

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
        _items = s_candidatePool.Rent(Math.Max(8, capacity));
        _indexByRow = RentIndex(Math.Max(8, capacity));
    }

    /// <summary>Whether <see cref="Release"/> has handed the storage back (the set is then empty).</summary>
    public bool Released => _released;

    /// <summary>Whether <see cref="CompleteRetrieval"/> (or <see cref="Release"/>) ended the adding of candidates.</summary>
    public bool RetrievalCompleted => _indexByRow is null;

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

    public bool Contains(int row) => IndexOf(row) >= 0;

    /// <summary>
    /// Ends retrieval: the row index goes back to its pool and the set takes no more candidates (<see cref="Contains"/>
    /// and <see cref="IndexOf"/> then scan the candidates). The retriever calls it once every path has added its own.
    /// </summary>
    public void CompleteRetrieval()
    {
        var index = _indexByRow;
        if (index is null)
        {
            return;
        }

        _indexByRow = null;
        ReturnIndex(index);
    }

    /// <summary>
    /// Hands the candidate storage back to the pools: the set is empty afterwards and takes no more candidates.
    /// Call it once nothing reads the candidates any more (the feed pipeline does, after re-ranking).
    /// </summary>
    public void Release()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        CompleteRetrieval();
        var items = _items;
        _items = [];
        Count = 0;
        s_candidatePool.Return(items);
    }

    /// <summary>The index of <paramref name="row"/>'s candidate, or -1.</summary>
    public int IndexOf(int row)
    {
        if (_indexByRow is { } index)
        {
            return index.TryGetValue(row, out var i) ? i : -1;
        }

        var items = Items;
        for (var i = 0; i < items.Length; i++)
        {
            if (items[i].Row == row)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Adds <paramref name="row"/> from <paramref name="source"/>, or merges the provenance when present; returns true when it is new.</summary>
    public bool Add(int row, RetrievalSource source, float retrievalScore)
    {
        var index = _indexByRow ?? throw new InvalidOperationException(
            $"the candidate set of {UserId} was {(_released ? "released" : "completed")}: it takes no more candidates");
        if (index.TryGetValue(row, out var i))
        {
            ref var c = ref _items[i];
            c.Sources |= source;
            c.RetrievalScore = Math.Max(c.RetrievalScore, retrievalScore);
            return false;
        }

        if (Count == _items.Length)
        {
            var larger = s_candidatePool.Rent(_items.Length * 2);
            _items.AsSpan(0, Count).CopyTo(larger);
            s_candidatePool.Return(_items);
            _items = larger;
        }

        _items[Count] = new Candidate { Row = row, Sources = source, RetrievalScore = retrievalScore };
        index[row] = Count;
        Count++;
        return true;
    }

    private static void ReturnIndex(Dictionary<int, int> index)
    {
        if (s_indexPool.Count < MaxPooledIndexes)
        {
            index.Clear();
            s_indexPool.Enqueue(index);
        }
    }

    private static Dictionary<int, int> RentIndex(int capacity)
    {
        if (s_indexPool.TryDequeue(out var index))
        {
            index.EnsureCapacity(capacity);
            return index;
        }

        return new Dictionary<int, int>(capacity);
    }
}
