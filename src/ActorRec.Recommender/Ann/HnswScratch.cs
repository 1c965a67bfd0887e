using System.Diagnostics;

namespace ActorRec.Recommender.Ann;

/// <summary>
/// Per-thread search state of <see cref="HnswIndex"/>: a visited bitset (one bit per node, so it stays in L1/L2
/// even at 100k+ nodes; clearing it costs nodes/64 words per search),
/// a max-heap of candidates to expand and a bounded min-heap of the best results. One instance per thread, so
/// concurrent searches share nothing and a search allocates only its answer.
/// </summary>
internal sealed class HnswScratch
{
    [ThreadStatic]
    private static HnswScratch? t_instance;

    private ulong[] _visited = new ulong[64];
    private (int Index, float Score)[] _candidates = new (int, float)[256];
    private int _candidateCount;
    private (int Index, float Score)[] _results = new (int, float)[256];
    private int _resultCount;
    private int _visitedWords;
    private float[] _query = new float[64];
    private sbyte[] _codes = GC.AllocateArray<sbyte>(64, pinned: true);
    private readonly List<(int Index, float Score)> _drained = new(256);

    public static HnswScratch Get() => t_instance ??= new HnswScratch();

    public int ResultCount => _resultCount;

    /// <summary>Similarity evaluations of the graph walks on this thread so far (a benchmark statistic).</summary>
    public long Evaluations { get; set; }

    /// <summary>Score of the worst kept result (the min-heap root); valid when ResultCount &gt; 0.</summary>
    public float WorstResult => _results[0].Score;

    public Span<float> Query(int length)
    {
        if (_query.Length < length)
        {
            _query = new float[length];
        }

        return _query.AsSpan(0, length);
    }

    /// <summary>A pinned code row of <paramref name="stride"/> bytes for the quantised query.</summary>
    public unsafe sbyte* Codes(int stride)
    {
        if (_codes.Length < stride)
        {
            _codes = GC.AllocateArray<sbyte>(stride, pinned: true);
        }

        return (sbyte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _codes[0]);
    }

    /// <summary>The same buffer as a span (for encoding).</summary>
    public Span<sbyte> CodeSpan(int stride) => _codes.AsSpan(0, stride);

    public void Begin(int nodeCount)
    {
        var words = (nodeCount + 63) >> 6;
        if (_visited.Length < words)
        {
            _visited = new ulong[Math.Max(words, _visited.Length * 2)];
        }
        else
        {
            Array.Clear(_visited, 0, words);
        }

        _visitedWords = words;
        _candidateCount = 0;
        _resultCount = 0;
    }

    /// <summary>Marks a node visited; false when it already was in this search.</summary>
    public bool MarkVisited(int index)
    {
        var word = index >> 6;
        if (word >= _visitedWords)
        {
            // A node inserted after this search began: grow and clear the new words.
            var grown = Math.Max(word + 1, _visitedWords * 2);
            if (_visited.Length < grown)
            {
                Array.Resize(ref _visited, grown);
            }

            Array.Clear(_visited, _visitedWords, grown - _visitedWords);
            _visitedWords = grown;
        }

        var bit = 1UL << (index & 63);
        ref var slot = ref _visited[word];
        if ((slot & bit) != 0)
        {
            return false;
        }

        slot |= bit;
        return true;
    }

    /// <summary>The node the next <see cref="TryPopCandidate"/> returns, or -1.</summary>
    public int PeekCandidate => _candidateCount > 0 ? _candidates[0].Index : -1;

    public void PushCandidate(int index, float score)
    {
        if (_candidateCount == _candidates.Length)
        {
            Array.Resize(ref _candidates, _candidates.Length * 2);
        }

        var i = _candidateCount++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Better(score, index, _candidates[parent].Score, _candidates[parent].Index))
            {
                break;
            }

            _candidates[i] = _candidates[parent];
            i = parent;
        }

        _candidates[i] = (index, score);
    }

    public bool TryPopCandidate(out int index, out float score)
    {
        if (_candidateCount == 0)
        {
            index = -1;
            score = 0f;
            return false;
        }

        (index, score) = _candidates[0];
        var last = _candidates[--_candidateCount];
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= _candidateCount)
            {
                break;
            }

            if (child + 1 < _candidateCount && Better(_candidates[child + 1].Score, _candidates[child + 1].Index, _candidates[child].Score, _candidates[child].Index))
            {
                child++;
            }

            if (!Better(_candidates[child].Score, _candidates[child].Index, last.Score, last.Index))
            {
                break;
            }

            _candidates[i] = _candidates[child];
            i = child;
        }

        _candidates[i] = last;
        return true;
    }

    /// <summary>Adds a result, dropping the worst one when more than <paramref name="capacity"/> are kept.</summary>
    public void PushResult(int index, float score, int capacity)
    {
        if (_resultCount < capacity)
        {
            if (_resultCount == _results.Length)
            {
                Array.Resize(ref _results, _results.Length * 2);
            }

            var i = _resultCount++;
            while (i > 0)
            {
                var parent = (i - 1) >> 1;
                if (!Worse(score, index, _results[parent].Score, _results[parent].Index))
                {
                    break;
                }

                _results[i] = _results[parent];
                i = parent;
            }

            _results[i] = (index, score);
            return;
        }

        if (!Better(score, index, _results[0].Score, _results[0].Index))
        {
            return;
        }

        SiftDownResult((index, score));
    }

    /// <summary>All results, best first, in a list owned by this scratch (valid until the next call).</summary>
    public List<(int Index, float Score)> DrainAllDescending()
    {
        _drained.Clear();
        while (_resultCount > 0)
        {
            _drained.Add(PopWorst());
        }

        _drained.Reverse();
        return _drained;
    }

    private (int Index, float Score) PopWorst()
    {
        Debug.Assert(_resultCount > 0, "PopWorst on an empty heap.");
        var top = _results[0];
        var last = _results[--_resultCount];
        if (_resultCount > 0)
        {
            SiftDownResult(last);
        }

        return top;
    }

    private void SiftDownResult((int Index, float Score) item)
    {
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= _resultCount)
            {
                break;
            }

            if (child + 1 < _resultCount && Worse(_results[child + 1].Score, _results[child + 1].Index, _results[child].Score, _results[child].Index))
            {
                child++;
            }

            if (!Worse(_results[child].Score, _results[child].Index, item.Score, item.Index))
            {
                break;
            }

            _results[i] = _results[child];
            i = child;
        }

        _results[i] = item;
    }

    // Total orders with node index as the tie-break keep results deterministic.
    private static bool Better(float a, int ai, float b, int bi) => a > b || (a == b && ai < bi);

    private static bool Worse(float a, int ai, float b, int bi) => a < b || (a == b && ai > bi);
}
