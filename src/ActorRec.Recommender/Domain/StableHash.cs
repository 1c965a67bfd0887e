namespace ActorRec.Recommender.Domain;

/// <summary>
/// Process-independent 64-bit hashing of identifiers (FNV-1a over UTF-16 code units, finished with a 64-bit
/// avalanche mix). <see cref="string.GetHashCode()"/> is randomised per process, so it cannot be used for state that
/// is journaled, snapshotted or compared across nodes; these hashes can. Keys never equal zero, which the compact
/// tables use as their empty marker.
/// </summary>
public static class StableHash
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>Hash of <paramref name="text"/>; never zero.</summary>
    public static ulong Key(ReadOnlySpan<char> text) => NonZero(Mix(Fnv(FnvOffset, text)));

    /// <summary>Hash of <paramref name="prefix"/> followed by <paramref name="text"/> (a namespaced key); never zero.</summary>
    public static ulong Key(ReadOnlySpan<char> prefix, ReadOnlySpan<char> text) =>
        NonZero(Mix(Fnv(Fnv(FnvOffset, prefix), text)));

    /// <summary>32-bit key derived from a 64-bit key; never zero.</summary>
    public static uint Key32(ulong key64)
    {
        var k = (uint)(key64 ^ (key64 >> 32));
        return k == 0 ? 1u : k;
    }

    /// <summary>The murmur3 64-bit finaliser: a bijective avalanche mix.</summary>
    public static ulong Mix(ulong x)
    {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdUL;
        x ^= x >> 33;
        x *= 0xc4ceb53a5b9a8d91UL;
        x ^= x >> 33;
        return x;
    }

    /// <summary>Order-dependent combination of two hashes.</summary>
    public static ulong Combine(ulong a, ulong b) => Mix(a ^ (b + 0x9e3779b97f4a7c15UL + (a << 6) + (a >> 2)));

    private static ulong Fnv(ulong h, ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            h ^= c;
            h *= FnvPrime;
        }

        return h;
    }

    private static ulong NonZero(ulong h) => h == 0 ? 1UL : h;
}
