using System.Diagnostics;

namespace ActorRec.Recommender.Features;

/// <summary>
/// A count-min sketch over 64-bit keys: <c>depth</c> rows of <c>width</c> counters, one hash per row; the estimate
/// is the minimum of a key's counters, so it never under-counts and over-counts by at most εN with probability
/// 1 − δ for width = e/ε and depth = ln(1/δ). Conservative update (raise only the counters at the minimum) tightens
/// the over-count further. Not thread-safe.
/// </summary>
[DebuggerDisplay("CountMinSketch {Width}x{Depth}")]
public sealed class CountMinSketch
{
    private readonly uint[] _counters;
    private readonly ulong[] _seeds;
    private readonly int _widthMask;

    /// <summary>Creates a sketch; <paramref name="width"/> is rounded up to a power of two.</summary>
    public CountMinSketch(int width, int depth, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        Width = (int)Math.Min(1u << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)width));
        Depth = depth;
        _widthMask = Width - 1;
        _counters = new uint[Width * depth];
        _seeds = new ulong[depth];
        var random = new Random(seed);
        for (var d = 0; d < depth; d++)
        {
            _seeds[d] = (ulong)random.NextInt64() | 1UL;
        }
    }

    /// <summary>Counters per row (a power of two).</summary>
    public int Width { get; }

    /// <summary>Rows (independent hashes).</summary>
    public int Depth { get; }

    /// <summary>Adds <paramref name="count"/> sightings of <paramref name="key"/> and returns the new estimate.</summary>
    public uint Add(ulong key, uint count = 1)
    {
        var estimate = Estimate(key);
        var target = estimate + count < estimate ? uint.MaxValue : estimate + count;
        for (var d = 0; d < Depth; d++)
        {
            ref var c = ref _counters[(d * Width) + Slot(key, d)];
            if (c < target)
            {
                c = target;
            }
        }

        return target;
    }

    /// <summary>Upper bound of the sightings of <paramref name="key"/>.</summary>
    public uint Estimate(ulong key)
    {
        var min = uint.MaxValue;
        for (var d = 0; d < Depth; d++)
        {
            min = Math.Min(min, _counters[(d * Width) + Slot(key, d)]);
        }

        return min;
    }

    /// <summary>Halves every counter (ageing, so old popularity fades).</summary>
    public void Halve()
    {
        for (var i = 0; i < _counters.Length; i++)
        {
            _counters[i] >>= 1;
        }
    }

    /// <summary>The counters, row after row (checkpoints read and restore them).</summary>
    internal Span<uint> Counters => _counters;

    /// <summary>Forgets everything.</summary>
    public void Clear() => Array.Clear(_counters);

    private int Slot(ulong key, int row) => (int)(Hashing.Mix64(key ^ _seeds[row]) & (ulong)_widthMask);
}

/// <summary>Stable 64-bit mixing (the splitmix64 / MurmurHash3 finaliser); never <c>GetHashCode</c>.</summary>
public static class Hashing
{
    /// <summary>A bijective avalanche mix of 64 bits.</summary>
    public static ulong Mix64(ulong x)
    {
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9UL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebUL;
        x ^= x >> 31;
        return x;
    }

    /// <summary>FNV-1a 64 over the UTF-16 code units of <paramref name="text"/>: stable across processes and runs.</summary>
    public static ulong Fnv1a64(ReadOnlySpan<char> text) => Fnv1a64Append(14695981039346656037UL, text);

    /// <summary>FNV-1a 64 of <paramref name="prefix"/> followed by <paramref name="text"/>, without building the joined string.</summary>
    public static ulong Fnv1a64(ReadOnlySpan<char> prefix, ReadOnlySpan<char> text) => Fnv1a64Append(Fnv1a64(prefix), text);

    /// <summary>Continues an FNV-1a 64 <paramref name="hash"/> over <paramref name="text"/> (hashing a concatenation piece by piece).</summary>
    public static ulong Fnv1a64Append(ulong hash, ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            hash = (hash ^ (byte)c) * 1099511628211UL;
            hash = (hash ^ (byte)(c >> 8)) * 1099511628211UL;
        }

        return hash;
    }
}
