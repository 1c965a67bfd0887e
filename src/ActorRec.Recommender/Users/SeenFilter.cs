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
/// </summary>
public sealed class SeenFilter
{
    private readonly ulong[] _words;
    private readonly int _wordsPerGeneration;
    private readonly int _window;
    private readonly int _hashes;
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
        _words = new ulong[2 * _wordsPerGeneration];
        _hashes = hashes;
        _window = window;
    }

    /// <summary>Keys inserted into the current generation.</summary>
    public int CountInCurrent => _countInCurrent;

    public int Window => _window;

    /// <summary>The theoretical false-positive rate of one full generation.</summary>
    public double GenerationFalsePositiveRate
    {
        get
        {
            double m = _wordsPerGeneration * 64;
            return Math.Pow(1 - Math.Exp(-_hashes * _window / m), _hashes);
        }
    }

    public void Add(ulong key)
    {
        if (_countInCurrent >= _window)
        {
            _current ^= 1;
            Array.Clear(_words, _current * _wordsPerGeneration, _wordsPerGeneration);
            _countInCurrent = 0;
        }

        var gen = _words.AsSpan(_current * _wordsPerGeneration, _wordsPerGeneration);
        var m = (ulong)(_wordsPerGeneration * 64);
        var h1 = key;
        var h2 = Domain.StableHash.Mix(key) | 1UL;
        for (var i = 0; i < _hashes; i++)
        {
            var bit = (h1 + ((ulong)i * h2)) % m;
            gen[(int)(bit >> 6)] |= 1UL << (int)(bit & 63);
        }

        _countInCurrent++;
    }

    public bool MightContain(ulong key) =>
        Probe(_words.AsSpan(0, _wordsPerGeneration), key) || Probe(_words.AsSpan(_wordsPerGeneration, _wordsPerGeneration), key);

    /// <summary>Raw words for snapshots (both generations back to back).</summary>
    public ReadOnlySpan<ulong> Words => _words;

    public int CurrentGeneration => _current;

    /// <summary>Restores a snapshot taken with <see cref="Words"/>, <see cref="CurrentGeneration"/> and <see cref="CountInCurrent"/>.</summary>
    public void Restore(ReadOnlySpan<ulong> words, int currentGeneration, int countInCurrent)
    {
        if (words.Length != _words.Length)
        {
            throw new ArgumentException($"snapshot has {words.Length} words; this filter has {_words.Length}", nameof(words));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(countInCurrent);
        words.CopyTo(_words);
        _current = currentGeneration & 1;
        _countInCurrent = countInCurrent;
    }

    private bool Probe(ReadOnlySpan<ulong> gen, ulong key)
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
