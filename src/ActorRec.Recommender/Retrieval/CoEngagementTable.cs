using System.Buffers;
using System.Diagnostics;

namespace ActorRec.Recommender.Retrieval;

/// <summary>
/// Item-to-item co-engagement ("people who liked your recent videos also liked ..."), learned online and bounded.
/// <para>
/// Each time a user engages positively with video i, i is paired with the user's previous positives j (most recent
/// first, at most <c>window</c>, weights 1, d, d², ...): co(i, j) and co(j, i) grow by the weight, and i's occurrence
/// count n_i grows by one. Every video keeps only its <c>neighbours</c> strongest partners in a fixed slot array, kept
/// as a weighted Misra-Gries heavy-hitter summary: an unseen partner arriving at a full list takes the smaller of its
/// weight and the weakest count off every slot and off itself (slots reaching 0 leave, the newcomer takes a freed slot
/// with what is left). Counts only ever under-estimate, so churn cannot inflate a random partner (space-saving's
/// inherited counts did, and on MovieLens that noise cost more than the signal gave); heavy partners survive.
/// Memory is fixed per catalog row: neighbours × 8 bytes (row + count) + 8 bytes (fill, occurrences), i.e. 1,032
/// bytes a video at the default 128 neighbours (about 1 GB for a million videos), whatever the traffic.
/// </para>
/// <para>
/// A user's co-engagement score of a candidate c is Σ_j w_j · co(j, c) / √(n_j · n_c) over the user's recent
/// positives j (the cosine of the co-occurrence vectors, so popular videos do not dominate every list).
/// <see cref="Gather(ReadOnlySpan{int}, Span{int}, Span{float}, int)"/> returns those scores for every partner of the seeds, deduplicated and best first: the
/// retrieval path and the ranking feature read the same numbers. One lock guards the table: an update touches
/// 2 × window short arrays, a read window of them, both well under a microsecond of work.
/// </para>
/// </summary>
public sealed partial class CoEngagementTable
{
    private readonly Lock _lock = new();
    private readonly int _width;
    private readonly int _window;
    private readonly float _decay;
    private int[] _partners;
    private float[] _counts;
    private int[] _fill;
    private float[] _occurrences;

    /// <summary>Creates an empty table: <paramref name="neighbours"/> partners kept per video, <paramref name="window"/> recent positives paired, weight ratio <paramref name="decay"/>.</summary>
    public CoEngagementTable(int neighbours, int window, float decay, int initialRows = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(neighbours, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialRows);
        if (!(decay > 0f && decay <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "decay must be in (0, 1]");
        }

        _width = neighbours;
        _window = window;
        _decay = decay;
        _partners = new int[initialRows * neighbours];
        _counts = new float[initialRows * neighbours];
        _fill = new int[initialRows];
        _occurrences = new float[initialRows];
    }

    /// <summary>Partners kept per video.</summary>
    public int Neighbours => _width;

    /// <summary>Recent positives paired with a new positive, and read as seeds of a feed.</summary>
    public int Window => _window;

    /// <summary>Bytes held by the table (grows only with the number of catalog rows).</summary>
    public long MemoryBytes
    {
        get
        {
            lock (_lock)
            {
                return ((long)_partners.Length * 4) + ((long)_counts.Length * 4) + ((long)_fill.Length * 4) + ((long)_occurrences.Length * 4);
            }
        }
    }

    /// <summary>
    /// Records a positive on <paramref name="row"/> by a user whose earlier positives are <paramref name="recentRows"/>,
    /// most recent first (negative rows and <paramref name="row"/> itself are skipped; only the first window count).
    /// </summary>
    public void Record(int row, ReadOnlySpan<int> recentRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        lock (_lock)
        {
            EnsureRow(row);
            var weight = 1f;
            var used = 0;
            for (var i = 0; i < recentRows.Length && used < _window; i++)
            {
                var j = recentRows[i];
                if (j < 0 || j == row)
                {
                    continue;
                }

                EnsureRow(j);
                Add(row, j, weight);
                Add(j, row, weight);
                weight *= _decay;
                used++;
            }

            _occurrences[row] += 1f;
        }
    }

    /// <summary>How many partners <paramref name="row"/> keeps now (at most <see cref="Neighbours"/>).</summary>
    public int PartnerCount(int row)
    {
        lock (_lock)
        {
            return row >= 0 && row < _fill.Length ? _fill[row] : 0;
        }
    }

    /// <summary>The raw co-engagement weight of <paramref name="to"/> in <paramref name="from"/>'s list (0 when absent).</summary>
    public float Count(int from, int to)
    {
        lock (_lock)
        {
            if (from < 0 || from >= _fill.Length)
            {
                return 0f;
            }

            var at = from * _width;
            for (var s = 0; s < _fill[from]; s++)
            {
                if (_partners[at + s] == to)
                {
                    return _counts[at + s];
                }
            }

            return 0f;
        }
    }

    /// <summary>
    /// The co-engagement scores of every partner of <paramref name="seedRows"/> (most recent first, weights 1, d, d², ...;
    /// negative rows skipped): rows and scores written best first, deduplicated; returns how many. The destinations
    /// should hold window × neighbours entries; what does not fit is dropped.
    /// </summary>
    public int Gather(ReadOnlySpan<int> seedRows, Span<int> rows, Span<float> scores) => Gather(seedRows, rows, scores, int.MaxValue);

    /// <summary>
    /// As <see cref="Gather(ReadOnlySpan{int}, Span{int}, Span{float})"/>, but only the best <paramref name="ordered"/>
    /// entries are sorted (best first, at the front); the rest follow in no particular order. A full sort of a
    /// thousand partners was a third of a feed's retrieval when the caller reads the order of the first hundred;
    /// <see cref="SortBestFirst"/> orders the rest when a caller needs them after all.
    /// </summary>
    public int Gather(ReadOnlySpan<int> seedRows, Span<int> rows, Span<float> scores, int ordered)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ordered);
        var capacity = Math.Min(rows.Length, scores.Length);
        if (capacity == 0 || seedRows.IsEmpty)
        {
            return 0;
        }

        // Open addressing over a pooled slot table (no allocation once the pool is warm): slot → index + 1.
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity * 2));
        var slots = ArrayPool<int>.Shared.Rent(size);
        var n = 0;
        try
        {
            slots.AsSpan(0, size).Clear();
            lock (_lock)
            {
                var weight = 1f;
                var used = 0;
                for (var i = 0; i < seedRows.Length && used < _window; i++)
                {
                    var j = seedRows[i];
                    if (j < 0)
                    {
                        continue;
                    }

                    used++;
                    if (j < _fill.Length && _occurrences[j] > 0f)
                    {
                        var norm = weight / MathF.Sqrt(_occurrences[j]);
                        var at = j * _width;
                        for (var s = 0; s < _fill[j]; s++)
                        {
                            var c = _partners[at + s];
                            var score = norm * _counts[at + s] / MathF.Sqrt(Math.Max(1f, _occurrences[c]));
                            n = Accumulate(slots, size - 1, rows, scores, n, capacity, c, score);
                        }
                    }

                    weight *= _decay;
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(slots);
        }

        if (ordered >= n)
        {
            SortBestFirst(rows[..n], scores[..n]);
        }
        else if (ordered > 0)
        {
            SelectBestFirst(rows[..n], scores[..n], ordered);
        }

        return n;
    }

    /// <summary>Sorts <paramref name="rows"/> and <paramref name="scores"/> together by descending score.</summary>
    public static void SortBestFirst(Span<int> rows, Span<float> scores)
    {
        // Sort by negated score, ascending.
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = -scores[i];
        }

        scores.Sort(rows);
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = -scores[i];
        }
    }

    /// <summary>Moves the best <paramref name="best"/> entries to the front, best first (a bounded heap over positions); the rest keep their relative order after them.</summary>
    private static void SelectBestFirst(Span<int> rows, Span<float> scores, int best)
    {
        var n = rows.Length;
        var positions = ArrayPool<int>.Shared.Rent(best);
        var kept = ArrayPool<float>.Shared.Rent(best);
        var taken = ArrayPool<bool>.Shared.Rent(n);
        var restRows = ArrayPool<int>.Shared.Rent(n);
        var restScores = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var heap = new TopK(positions.AsSpan(0, best), kept.AsSpan(0, best));
            for (var i = 0; i < n; i++)
            {
                if (scores[i] >= heap.Threshold)
                {
                    heap.Offer(i, scores[i]);
                }
            }

            var m = heap.Drain();
            taken.AsSpan(0, n).Clear();
            for (var j = 0; j < m; j++)
            {
                taken[positions[j]] = true;
            }

            var rest = 0;
            for (var i = 0; i < n; i++)
            {
                if (!taken[i])
                {
                    restRows[rest] = rows[i];
                    restScores[rest] = scores[i];
                    rest++;
                }
            }

            for (var j = 0; j < m; j++)
            {
                var from = positions[j];
                positions[j] = rows[from];
            }

            positions.AsSpan(0, m).CopyTo(rows);
            kept.AsSpan(0, m).CopyTo(scores);
            restRows.AsSpan(0, rest).CopyTo(rows[m..]);
            restScores.AsSpan(0, rest).CopyTo(scores[m..]);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(positions);
            ArrayPool<float>.Shared.Return(kept);
            ArrayPool<bool>.Shared.Return(taken);
            ArrayPool<int>.Shared.Return(restRows);
            ArrayPool<float>.Shared.Return(restScores);
        }
    }

    private static int Accumulate(int[] slots, int mask, Span<int> rows, Span<float> scores, int n, int capacity, int row, float score)
    {
        var h = (int)((uint)row * 2654435761u) & mask;
        while (true)
        {
            var at = slots[h];
            if (at == 0)
            {
                if (n >= capacity)
                {
                    return n;
                }

                rows[n] = row;
                scores[n] = score;
                slots[h] = n + 1;
                return n + 1;
            }

            if (rows[at - 1] == row)
            {
                scores[at - 1] += score;
                return n;
            }

            h = (h + 1) & mask;
        }
    }

    private void Add(int from, int to, float weight)
    {
        var at = from * _width;
        var fill = _fill[from];
        var weakest = -1;
        var weakestCount = float.PositiveInfinity;
        for (var s = 0; s < fill; s++)
        {
            if (_partners[at + s] == to)
            {
                _counts[at + s] += weight;
                return;
            }

            if (_counts[at + s] < weakestCount)
            {
                weakestCount = _counts[at + s];
                weakest = s;
            }
        }

        if (fill < _width)
        {
            _partners[at + fill] = to;
            _counts[at + fill] = weight;
            _fill[from] = fill + 1;
            return;
        }

        // Weighted Misra-Gries: a miss on a full list takes m = min(weakest, weight) off every partner and off the
        // newcomer; partners that reach 0 leave, and what is left of the newcomer takes a freed slot.
        Debug.Assert(weakest >= 0, "a full list has a weakest slot");
        var m = Math.Min(weakestCount, weight);
        var kept = 0;
        for (var s = 0; s < fill; s++)
        {
            var c = _counts[at + s] - m;
            if (c > 1e-6f)
            {
                _partners[at + kept] = _partners[at + s];
                _counts[at + kept] = c;
                kept++;
            }
        }

        var left = weight - m;
        if (left > 1e-6f && kept < _width)
        {
            _partners[at + kept] = to;
            _counts[at + kept] = left;
            kept++;
        }

        _fill[from] = kept;
    }

    private void EnsureRow(int row)
    {
        if (row < _fill.Length)
        {
            return;
        }

        var rowsNow = _fill.Length;
        while (rowsNow <= row)
        {
            rowsNow *= 2;
        }

        Array.Resize(ref _partners, rowsNow * _width);
        Array.Resize(ref _counts, rowsNow * _width);
        Array.Resize(ref _fill, rowsNow);
        Array.Resize(ref _occurrences, rowsNow);
    }
}
