using System.Diagnostics;

namespace ActorRec.Recommender.Retrieval;

/// <summary>
/// Keeps the k best (score, row) pairs seen in a stream with a binary min-heap over caller-provided spans; ties are
/// broken towards the smaller row so results are deterministic. <see cref="Drain()"/> writes them best first.
/// </summary>
public ref struct TopK
{
    private readonly Span<int> _rows;
    private readonly Span<float> _scores;
    private int _count;

    public TopK(Span<int> rows, Span<float> scores)
    {
        Debug.Assert(rows.Length == scores.Length, "spans of equal length");
        _rows = rows;
        _scores = scores;
        _count = 0;
    }

    public readonly int Count => _count;

    /// <summary>The smallest kept score once full; −∞ before.</summary>
    public readonly float Threshold => _count < _rows.Length ? float.NegativeInfinity : _scores[0];

    public void Offer(int row, float score)
    {
        if (_rows.Length == 0 || float.IsNaN(score))
        {
            return;
        }

        if (_count < _rows.Length)
        {
            var i = _count++;
            _rows[i] = row;
            _scores[i] = score;
            SiftUp(i);
            return;
        }

        if (Worse(score, row, _scores[0], _rows[0]))
        {
            return;
        }

        _rows[0] = row;
        _scores[0] = score;
        SiftDown(0);
    }

    /// <summary>Empties the heap into the spans it was built on, best first; returns the count.</summary>
    public int Drain()
    {
        var n = _count;
        for (var end = n - 1; end > 0; end--)
        {
            (_rows[0], _rows[end]) = (_rows[end], _rows[0]);
            (_scores[0], _scores[end]) = (_scores[end], _scores[0]);
            _count = end;
            SiftDown(0);
        }

        _count = 0;
        return n;
    }

    /// <summary>Heap insert on raw spans (for callers that keep many heaps side by side).</summary>
    public static void Offer(Span<int> rows, Span<float> scores, ref int count, int row, float score)
    {
        var heap = new TopK(rows, scores) { _count = count };
        heap.Offer(row, score);
        count = heap._count;
    }

    /// <summary>Sorts a raw-span heap of <paramref name="count"/> items best first; returns the count.</summary>
    public static int Drain(Span<int> rows, Span<float> scores, int count)
    {
        var heap = new TopK(rows, scores) { _count = count };
        return heap.Drain();
    }

    /// <summary>The smallest kept score of a raw-span heap once full; −∞ before.</summary>
    public static float ThresholdOf(ReadOnlySpan<float> scores, int count, int capacity) =>
        count < capacity ? float.NegativeInfinity : scores[0];

    // a is worse than b: lower score, or equal score and larger row.
    private static bool Worse(float sa, int ra, float sb, int rb) => sa < sb || (sa == sb && ra > rb);

    private readonly void SiftUp(int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Worse(_scores[i], _rows[i], _scores[parent], _rows[parent]))
            {
                break;
            }

            Swap(i, parent);
            i = parent;
        }
    }

    private readonly void SiftDown(int i)
    {
        while (true)
        {
            var l = (2 * i) + 1;
            if (l >= _count)
            {
                return;
            }

            var worst = l;
            var r = l + 1;
            if (r < _count && Worse(_scores[r], _rows[r], _scores[l], _rows[l]))
            {
                worst = r;
            }

            if (!Worse(_scores[worst], _rows[worst], _scores[i], _rows[i]))
            {
                return;
            }

            Swap(i, worst);
            i = worst;
        }
    }

    private readonly void Swap(int a, int b)
    {
        (_rows[a], _rows[b]) = (_rows[b], _rows[a]);
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
    }
}
