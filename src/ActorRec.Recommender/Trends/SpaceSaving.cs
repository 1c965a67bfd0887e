using System.Diagnostics;

namespace ActorRec.Recommender.Trends;

/// <summary>
/// The space-saving heavy-hitter summary (Metwally et al.) over 64-bit keys: at most <c>capacity</c> counters; a new
/// key takes over the smallest counter and inherits its count as its error bound. Every key whose true weight
/// exceeds total/capacity is guaranteed to be kept, and a kept key's count over-estimates its weight by at most its
/// error. Not thread-safe.
/// </summary>
[DebuggerDisplay("SpaceSaving {Count}/{Capacity}")]
public sealed class SpaceSaving
{
    private readonly Dictionary<ulong, int> _slotOf;
    private readonly ulong[] _keys;
    private readonly double[] _counts;
    private readonly double[] _errors;
    private readonly string?[] _labels;

    /// <summary>Creates an empty summary of at most <paramref name="capacity"/> keys.</summary>
    public SpaceSaving(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _slotOf = new Dictionary<ulong, int>(capacity);
        _keys = new ulong[capacity];
        _counts = new double[capacity];
        _errors = new double[capacity];
        _labels = new string?[capacity];
    }

    /// <summary>Most keys kept.</summary>
    public int Capacity { get; }

    /// <summary>Keys kept now.</summary>
    public int Count { get; private set; }

    /// <summary>Adds <paramref name="weight"/> to <paramref name="key"/>; <paramref name="label"/> (a display name, kept while the key is) is optional.</summary>
    public void Add(ulong key, double weight = 1.0, string? label = null)
    {
        if (_slotOf.TryGetValue(key, out var slot))
        {
            _counts[slot] += weight;
            _labels[slot] ??= label;
            return;
        }

        if (Count < Capacity)
        {
            slot = Count++;
            _keys[slot] = key;
            _counts[slot] = weight;
            _errors[slot] = 0;
            _labels[slot] = label;
            _slotOf[key] = slot;
            return;
        }

        // Replace the minimum. A linear scan is fine for the capacities used here (≤ a few hundred).
        var min = 0;
        for (var i = 1; i < Count; i++)
        {
            if (_counts[i] < _counts[min])
            {
                min = i;
            }
        }

        _slotOf.Remove(_keys[min]);
        _errors[min] = _counts[min];
        _counts[min] += weight;
        _keys[min] = key;
        _labels[min] = label;
        _slotOf[key] = min;
    }

    /// <summary>The label given with a kept key (null when not kept or given none).</summary>
    public string? Label(ulong key) => _slotOf.TryGetValue(key, out var slot) ? _labels[slot] : null;

    /// <summary>Estimated weight of a kept key (0 when not kept).</summary>
    public double Estimate(ulong key) => _slotOf.TryGetValue(key, out var slot) ? _counts[slot] : 0;

    /// <summary>Copies the kept keys into <paramref name="into"/>.</summary>
    public void CopyKeysTo(HashSet<ulong> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        for (var i = 0; i < Count; i++)
        {
            into.Add(_keys[i]);
        }
    }

    /// <summary>Forgets every key.</summary>
    public void Clear()
    {
        _slotOf.Clear();
        Array.Clear(_labels);
        Count = 0;
    }
}
