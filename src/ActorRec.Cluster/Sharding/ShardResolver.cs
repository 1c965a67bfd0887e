using System.Buffers;
using System.Text;

namespace ActorRec.Cluster.Sharding;

/// <summary>
/// Entity id → shard id. The hash must give the same shard in every process, on every run and on every platform,
/// because nodes route by it and the journal's fencing epochs are per shard: <see cref="string.GetHashCode()"/> is
/// randomized per process and is never used. We hash the id's UTF-8 bytes with 64-bit FNV-1a and finish with the
/// murmur3 64-bit mixer (FNV alone spreads short, similar ids such as "user-1", "user-2" poorly over low bits), then
/// take the result modulo the shard count. Golden values in the tests pin the function.
/// </summary>
public sealed class ShardResolver
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;
    private const int StackLimit = 256;

    public ShardResolver(int numberOfShards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numberOfShards, 1);
        NumberOfShards = numberOfShards;
    }

    public int NumberOfShards { get; }

    /// <summary>The shard of <paramref name="entityId"/>, in [0, <see cref="NumberOfShards"/>).</summary>
    public int ShardOf(string entityId)
    {
        ArgumentException.ThrowIfNullOrEmpty(entityId);
        return (int)(StableHash(entityId) % (ulong)NumberOfShards);
    }

    /// <summary>The stable 64-bit hash of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static ulong StableHash(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        var buffer = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            return StableHash(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>FNV-1a over <paramref name="bytes"/>, finished with the murmur3 fmix64 mixer.</summary>
    public static ulong StableHash(ReadOnlySpan<byte> bytes)
    {
        var h = FnvOffset;
        foreach (var b in bytes)
        {
            h = (h ^ b) * FnvPrime;
        }

        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }
}
