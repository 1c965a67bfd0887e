using System.Diagnostics;

namespace ActorRec.Recommender.Users;

/// <summary>
/// A windowed seen-set: two Bloom filter generations of <c>m</c> bits each in one <see cref="ulong"/> array. Keys go
/// into the current generation; when it holds <c>window</c> keys the older generation is cleared and becomes current.
/// A lookup checks both, so a key is remembered for at least <c>window</c> and at most 2·<c>window</c> later inserts.
/// <para>
/// False positives: with n keys in a generation of m bits and k probes, a generation answers yes wrongly with
/// p = (1 − e^{−kn/m})^k; a lookup asks two generations, so at most ≈ 2p. Defaults m = 2048, k = 7, n ≤ 200 give
/// p ≤ 0.73 % and a lookup rate ≤ 1.5 % when both generations are full (measured in the tests). A false positive
/// only hides a video from one user's feed; it never shows a seen one again.
/// </para>
/// Probes use double hashing of the stable 64-bit video key: bit_i = (h₁ + i·h₂) mod m.
/// <para>
/// Memory: the two generations (512 bytes at the defaults) are allocated only when the user has seen more than
/// <see cref="ExactLimit"/> videos. Until then the keys themselves are kept (a small array that doubles from 4), and a
/// lookup is exact. The filter built at that point holds exactly the bits the eager filter would hold (the same keys
/// inserted in the same order into generation 0), and <see cref="Words"/> of a small filter are those bits, so
/// snapshots do not change; the only difference is that the small form answers no false positives (the eager one
/// would answer one with probability (1 − e^{−k·16/m})^k ≈ 10⁻⁹ at the defaults).
/// </para>
/// <para>A mutable struct held in a (non-readonly) field of its owner, so that a user's filter costs no object of its
/// own; never copy one that is still being added to (a copy shares the arrays but not the counts).</para>
/// </summary>
public struct SeenFilter
{
    /// <summary>Keys kept exactly before the Bloom generations are allocated.</summary>
    public const int ExactLimit = 16;

    private readonly int _wordsPerGeneration;
    private readonly int _window;
    private readonly int _hashes;
    private ulong[]? _words;
    private ulong[]? _exact;
    private int _current;
    private int _countInCurrent;

    public SeenFilter(int bitsPerGeneration, int hashes, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bitsPerGeneration, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(hashes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        if (bitsPerGeneration % 64 != 0)
        {
            throw new ArgumentException($"bits per generation must be a multiple of 64 (got {bitsPerGeneration})", nameof(bitsPerGeneration));
        }

        _wordsPerGeneration = bitsPerGeneration / 64;
        _hashes = hashes;
        _window = window;
    }

    /// <summary>Keys inserted into the current generation.</summary>
    public readonly int CountInCurrent => _countInCurrent;

    public readonly int Window => _window;

    /// <summary>The theoretical false-positive rate of one full generation.</summary>
    public readonly double GenerationFalsePositiveRate
    {
        get
        {
            double m = _wordsPerGeneration * 64;
            return Math.Pow(1 - Math.Exp(-_hashes * _window / m), _hashes);
        }
    }

    public void Add(ulong key)
    {
        if (_words is null)
        {
            if (_countInCurrent < Math.Min(ExactLimit, _window))
            {
                if (_exact is null || _exact.Length == _countInCurrent)
                {
                    Array.Resize(ref _exact, Math.Min(Math.Max(4, _countInCurrent * 2), ExactLimit));
                }

                _exact[_countInCurrent++] = key;
                return;
            }

            Materialize();
        }

        Debug.Assert(_words is not null, "materialized");
        if (_countInCurrent >= _window)
        {
            _current ^= 1;
            Array.Clear(_words, _current * _wordsPerGeneration, _wordsPerGeneration);
            _countInCurrent = 0;
        }

        Insert(_words.AsSpan(_current * _wordsPerGeneration, _wordsPerGeneration), key);
        _countInCurrent++;
    }

    public readonly bool MightContain(ulong key)
    {
        if (_words is null)
        {
            return _exact is not null && _exact.AsSpan(0, _countInCurrent).Contains(key);
        }

        return Probe(_words.AsSpan(0, _wordsPerGeneration), key) || Probe(_words.AsSpan(_wordsPerGeneration, _wordsPerGeneration), key);
    }

    /// <summary>Raw words for snapshots (both generations back to back).</summary>
    public readonly ReadOnlySpan<ulong> Words => _words ?? BuildWords();

    public readonly int CurrentGeneration => _current;

    /// <summary>Whether the Bloom generations are allocated (false while at most <see cref="ExactLimit"/> keys were added).</summary>
    public readonly bool IsMaterialized => _words is not null;

    /// <summary>Restores a snapshot taken with <see cref="Words"/>, <see cref="CurrentGeneration"/> and <see cref="CountInCurrent"/>.</summary>
    public void Restore(ReadOnlySpan<ulong> words, int currentGeneration, int countInCurrent)
    {
        if (words.Length != 2 * _wordsPerGeneration)
        {
            throw new ArgumentException($"snapshot has {words.Length} words; this filter has {2 * _wordsPerGeneration}", nameof(words));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(countInCurrent);
        _words = words.ToArray();
        _exact = null;
        _current = currentGeneration & 1;
        _countInCurrent = countInCurrent;
    }

    private void Materialize()
    {
        _words = BuildWords();
        _exact = null;
    }

    /// <summary>The generations the eager filter would hold: the exact keys inserted, in order, into generation 0.</summary>
    private readonly ulong[] BuildWords()
    {
        var words = new ulong[2 * _wordsPerGeneration];
        if (_exact is not null)
        {
            var gen = words.AsSpan(0, _wordsPerGeneration);
            for (var i = 0; i < _countInCurrent; i++)
            {
                Insert(gen, _exact[i]);
            }
        }

        return words;
    }

    private readonly void Insert(Span<ulong> gen, ulong key)
    {
        var m = (ulong)(_wordsPerGeneration * 64);
        var h1 = key;
        var h2 = Domain.StableHash.Mix(key) | 1UL;
        for (var i = 0; i < _hashes; i++)
        {
            var bit = (h1 + ((ulong)i * h2)) % m;
            gen[(int)(bit >> 6)] |= 1UL << (int)(bit & 63);
        }
    }

    private readonly bool Probe(ReadOnlySpan<ulong> gen, ulong key)
    {
        Debug.Assert(gen.Length == _wordsPerGeneration, "generation slice");
        var m = (ulong)(gen.Length * 64);
        var h1 = key;
        var h2 = Domain.StableHash.Mix(key) | 1UL;
        for (var i = 0; i < _hashes; i++)
        {
            var bit = (h1 + ((ulong)i * h2)) % m;
            if ((gen[(int)(bit >> 6)] & (1UL << (int)(bit & 63))) == 0)
            {
                return false;
            }
        }

        return true;
    }
}
