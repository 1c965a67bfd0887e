using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace ActorRec.Recommender.Features;

/// <summary>
/// A collisionless id → embedding-row table for sparse features (as in ByteDance's Monolith): every admitted id
/// owns its own row, so two ids never share (and never corrupt) a vector, unlike the hashing trick.
/// </summary>
/// <remarks>
/// <para><b>Layout.</b> Keys live in a bucketized cuckoo hash table: two hash functions pick two buckets of
/// <see cref="EmbeddingTableSettings.BucketSize"/> slots; a key is always in one of its two buckets or in a small
/// stash, so a lookup reads at most two buckets and the stash. A slot holds the full 64-bit id (the comparison is
/// exact: no fingerprints, so no false matches) and the number of the key's row. Rows live in one contiguous arena
/// of <c>dimension</c> floats per row, with the id and the last update time beside each row; freed rows are reused.</para>
/// <para><b>Insert.</b> Free slot in either bucket, else a random-walk of displacements (evict a resident, move it
/// to its other bucket, repeat up to <see cref="EmbeddingTableSettings.MaxKicks"/>). If the walk fails the homeless
/// key goes to the stash; if the stash is full, or the load would pass
/// <see cref="EmbeddingTableSettings.MaxLoadFactor"/>, the table doubles and every key is re-placed. With four
/// slots a bucket, cuckoo hashing fills beyond 95% before walks start failing.</para>
/// <para><b>Admission and expiry.</b> <see cref="TryGetOrAdmit"/> counts a sighting in a count-min sketch and gives
/// an id a row only when its estimate reaches the threshold (or, optionally, by a coin flip), so one-off ids cost
/// no row. <see cref="EvictExpired"/> frees every row whose last update is older than the expiry, measured on the
/// injected <see cref="TimeProvider"/>.</para>
/// <para><b>Threading.</b> Not thread-safe: one owner (an actor or a lock) mutates and reads it. Spans returned
/// point into the arena and stay valid until the next admission (which may grow and move the arena).</para>
/// <para><b>Memory per row</b> (<see cref="AllocatedBytes"/> / <see cref="Count"/>): the arrays are sized per slot —
/// 8 B id + 4 B row number in the cuckoo slot, 4·dimension B of floats, 8 B row id + 8 B last update + 4 B free-list
/// entry — so a row costs (32 + 4·dimension) / load-factor bytes: 42.6 B at dimension 2 and 102 B at dimension 16
/// at 94% load (the unit test measures the dimension-2 figure at that load).</para>
/// </remarks>
[DebuggerDisplay("CuckooEmbeddingTable Count={Count} Slots={SlotCapacity} Dim={Dimension}")]
public sealed partial class CuckooEmbeddingTable
{
    private const int EmptyRow = -1;

    private readonly EmbeddingTableSettings _settings;
    private readonly TimeProvider _time;
    private readonly int _dimension;
    private readonly int _bucketSize;
    private readonly ulong _seed1;
    private readonly ulong _seed2;
    private readonly ulong _initSeed;
    private readonly CountMinSketch _sketch;
    private readonly Random _random;
    private readonly long _expiryTicks;
    private int _bucketMask;
    private ulong[] _slotKeys = [];
    private int[] _slotRows = [];
    private readonly ulong[] _stashKeys;
    private readonly int[] _stashRows;
    private float[] _arena = [];
    private ulong[] _rowKeys = [];
    private long[] _rowUpdated = [];
    private int[] _freeRows = [];
    private int _freeCount;
    private int _rowHigh;
    private int _count;
    private int _stashCount;
    private ulong _pendingKey;
    private int _pendingRow;
    private bool _hasPending;

    /// <summary>Creates an empty table.</summary>
    public CuckooEmbeddingTable(EmbeddingTableSettings settings, TimeProvider? time = null)
    {
        _settings = EmbeddingTableSettings.Create(settings);
        _time = time ?? TimeProvider.System;
        _dimension = settings.Dimension;
        _bucketSize = settings.BucketSize;
        var random = new Random(settings.Seed);
        _seed1 = (ulong)random.NextInt64() | 1UL;
        _seed2 = (ulong)random.NextInt64() | 1UL;
        _initSeed = (ulong)random.NextInt64();
        _random = new Random(settings.Seed ^ 0x3c6ef372);
        _sketch = new CountMinSketch(settings.SketchWidth, settings.SketchDepth, settings.Seed);
        _expiryTicks = settings.EffectiveExpiry.Ticks;
        _stashKeys = new ulong[settings.StashSize];
        _stashRows = new int[settings.StashSize];
        Array.Fill(_stashRows, EmptyRow);
        var buckets = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, (settings.InitialCapacity + _bucketSize - 1) / _bucketSize));
        Allocate(buckets);
    }

    /// <summary>Floats per row.</summary>
    public int Dimension => _dimension;

    /// <summary>Ids that own a row.</summary>
    public int Count => _count;

    /// <summary>Slots in the cuckoo table (rows it can hold before it grows, at full load).</summary>
    public int SlotCapacity => _slotKeys.Length;

    /// <summary>Count / SlotCapacity.</summary>
    public double LoadFactor => (double)_count / _slotKeys.Length;

    /// <summary>Keys currently in the stash.</summary>
    public int StashCount => _stashCount;

    /// <summary>Times the table has doubled.</summary>
    public int Growths { get; private set; }

    /// <summary>Bytes held by the table's arrays (keys, slots, rows, metadata, stash, sketch excluded).</summary>
    public long AllocatedBytes =>
        (_slotKeys.Length * 12L) + (_arena.Length * 4L) + (_rowKeys.Length * 8L) + (_rowUpdated.Length * 8L) + (_freeRows.Length * 4L) + (_stashKeys.Length * 12L);

    /// <summary>The admission sketch (exposed for inspection).</summary>
    public CountMinSketch Sketch => _sketch;

    /// <summary>Whether <paramref name="id"/> owns a row.</summary>
    public bool Contains(ulong id) => Find(id) >= 0;

    /// <summary>Reads the row of an admitted id; no sighting is counted and nothing is admitted (serving path).</summary>
    public bool TryGet(ulong id, out Span<float> row)
    {
        var r = Find(id);
        row = r >= 0 ? RowSpan(r) : default;
        return r >= 0;
    }

    /// <summary>
    /// Counts a sighting of <paramref name="id"/> and returns its row, admitting it first when the sketch estimate
    /// reaches the threshold (or the admission coin says so). False when the id is still below the bar.
    /// </summary>
    public bool TryGetOrAdmit(ulong id, out Span<float> row)
    {
        var r = Find(id);
        if (r >= 0)
        {
            row = RowSpan(r);
            return true;
        }

        var seen = _sketch.Add(id);
        var admit = seen >= (uint)_settings.AdmissionThreshold
            || (_settings.AdmissionProbability > 0.0 && _random.NextDouble() < _settings.AdmissionProbability);
        if (!admit)
        {
            row = default;
            return false;
        }

        r = Admit(id);
        row = RowSpan(r);
        return true;
    }

    /// <summary>Returns the row of an admitted id for a training update and stamps it as updated now.</summary>
    public bool TryGetForUpdate(ulong id, out Span<float> row)
    {
        var r = Find(id);
        if (r < 0)
        {
            row = default;
            return false;
        }

        _rowUpdated[r] = _time.GetUtcNow().UtcTicks;
        row = RowSpan(r);
        return true;
    }

    /// <summary>Frees the row of <paramref name="id"/>; false when absent.</summary>
    public bool Remove(ulong id)
    {
        var (b1, b2) = Buckets(id);
        if (RemoveFromBucket(b1, id) || RemoveFromBucket(b2, id))
        {
            return true;
        }

        for (var s = 0; s < _stashKeys.Length; s++)
        {
            if (_stashRows[s] != EmptyRow && _stashKeys[s] == id)
            {
                FreeRow(_stashRows[s]);
                _stashRows[s] = EmptyRow;
                _stashCount--;
                return true;
            }
        }

        return false;
    }

    /// <summary>Frees every row not updated within the expiry; returns how many.</summary>
    public int EvictExpired()
    {
        var cutoff = _time.GetUtcNow().UtcTicks - _expiryTicks;
        var evicted = 0;
        for (var s = 0; s < _slotRows.Length; s++)
        {
            var r = _slotRows[s];
            if (r != EmptyRow && _rowUpdated[r] < cutoff)
            {
                FreeRow(r);
                _slotRows[s] = EmptyRow;
                evicted++;
            }
        }

        for (var s = 0; s < _stashRows.Length; s++)
        {
            var r = _stashRows[s];
            if (r != EmptyRow && _rowUpdated[r] < cutoff)
            {
                FreeRow(r);
                _stashRows[s] = EmptyRow;
                _stashCount--;
                evicted++;
            }
        }

        return evicted;
    }

    /// <summary>
    /// Mean of the rows of the admitted ids among <paramref name="ids"/> into <paramref name="destination"/> (zeros
    /// when none is admitted); returns how many ids had a row. Nothing is counted or admitted.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int MeanPool(ReadOnlySpan<ulong> ids, Span<float> destination)
    {
        if (destination.Length != _dimension)
        {
            throw new ArgumentException($"destination has length {destination.Length}, the table dimension is {_dimension}.", nameof(destination));
        }

        destination.Clear();
        var found = 0;
        for (var i = 0; i < ids.Length; i++)
        {
            var r = Find(ids[i]);
            if (r >= 0)
            {
                TensorPrimitives.Add(destination, RowSpan(r), destination);
                found++;
            }
        }

        if (found > 1)
        {
            TensorPrimitives.Multiply(destination, 1f / found, destination);
        }

        return found;
    }

    private Span<float> RowSpan(int row) => _arena.AsSpan(row * _dimension, _dimension);

    private (int B1, int B2) Buckets(ulong id) =>
        ((int)(Hashing.Mix64(id ^ _seed1) & (ulong)_bucketMask), (int)(Hashing.Mix64(id ^ _seed2) & (ulong)_bucketMask));

    private int Find(ulong id)
    {
        var (b1, b2) = Buckets(id);
        var r = FindInBucket(b1, id);
        if (r >= 0)
        {
            return r;
        }

        r = FindInBucket(b2, id);
        if (r >= 0 || _stashCount == 0)
        {
            return r;
        }

        for (var s = 0; s < _stashKeys.Length; s++)
        {
            if (_stashRows[s] != EmptyRow && _stashKeys[s] == id)
            {
                return _stashRows[s];
            }
        }

        return -1;
    }

    private int FindInBucket(int bucket, ulong id)
    {
        var start = bucket * _bucketSize;
        for (var s = start; s < start + _bucketSize; s++)
        {
            if (_slotRows[s] != EmptyRow && _slotKeys[s] == id)
            {
                return _slotRows[s];
            }
        }

        return -1;
    }

    private bool RemoveFromBucket(int bucket, ulong id)
    {
        var start = bucket * _bucketSize;
        for (var s = start; s < start + _bucketSize; s++)
        {
            if (_slotRows[s] != EmptyRow && _slotKeys[s] == id)
            {
                FreeRow(_slotRows[s]);
                _slotRows[s] = EmptyRow;
                return true;
            }
        }

        return false;
    }

    private int Admit(ulong id)
    {
        if (_count + 1 > _settings.MaxLoadFactor * _slotKeys.Length)
        {
            Grow();
        }

        var row = AllocateRow(id);
        if (!Place(id, row))
        {
            // The walk placed id but left another key homeless; growing re-places that one too.
            Grow();
        }

        return row;
    }

    /// <summary>Places (id, row) in a bucket, by displacement if needed, or in the stash; false when both fail.</summary>
    private bool Place(ulong id, int row)
    {
        var (b1, b2) = Buckets(id);
        if (TryPutInBucket(b1, id, row) || TryPutInBucket(b2, id, row))
        {
            return true;
        }

        var bucket = _random.Next(2) == 0 ? b1 : b2;
        for (var kick = 0; kick < _settings.MaxKicks; kick++)
        {
            var slot = (bucket * _bucketSize) + _random.Next(_bucketSize);
            (id, _slotKeys[slot]) = (_slotKeys[slot], id);
            (row, _slotRows[slot]) = (_slotRows[slot], row);
            var (v1, v2) = Buckets(id);
            bucket = v1 == bucket ? v2 : v1;
            if (TryPutInBucket(bucket, id, row))
            {
                return true;
            }
        }

        for (var s = 0; s < _stashKeys.Length; s++)
        {
            if (_stashRows[s] == EmptyRow)
            {
                _stashKeys[s] = id;
                _stashRows[s] = row;
                _stashCount++;
                return true;
            }
        }

        // The homeless key is carried into the re-placement of the grown table.
        _pendingKey = id;
        _pendingRow = row;
        _hasPending = true;
        return false;
    }

    private bool TryPutInBucket(int bucket, ulong id, int row)
    {
        var start = bucket * _bucketSize;
        for (var s = start; s < start + _bucketSize; s++)
        {
            if (_slotRows[s] == EmptyRow)
            {
                _slotKeys[s] = id;
                _slotRows[s] = row;
                return true;
            }
        }

        return false;
    }

    /// <summary>Doubles the buckets and re-places every key (slots, stash and a key left homeless by a failed walk).</summary>
    private void Grow()
    {
        var oldKeys = _slotKeys;
        var oldRows = _slotRows;
        var stashKeys = _stashKeys.ToArray();
        var stashRows = _stashRows.ToArray();
        var pending = _hasPending;
        var (pendingKey, pendingRow) = (_pendingKey, _pendingRow);
        _hasPending = false;
        Array.Fill(_stashRows, EmptyRow);
        _stashCount = 0;
        Allocate((_bucketMask + 1) * 2);
        Growths++;
        for (var s = 0; s < oldRows.Length; s++)
        {
            if (oldRows[s] != EmptyRow)
            {
                Replace(oldKeys[s], oldRows[s]);
            }
        }

        for (var s = 0; s < stashRows.Length; s++)
        {
            if (stashRows[s] != EmptyRow)
            {
                Replace(stashKeys[s], stashRows[s]);
            }
        }

        if (pending)
        {
            Replace(pendingKey, pendingRow);
        }
    }

    private void Replace(ulong id, int row)
    {
        if (!Place(id, row))
        {
            Grow();
        }
    }

    private void Allocate(int buckets)
    {
        var slots = buckets * _bucketSize;
        _bucketMask = buckets - 1;
        _slotKeys = new ulong[slots];
        _slotRows = new int[slots];
        Array.Fill(_slotRows, EmptyRow);
        if (_rowKeys.Length < slots)
        {
            Array.Resize(ref _arena, slots * _dimension);
            Array.Resize(ref _rowKeys, slots);
            Array.Resize(ref _rowUpdated, slots);
            Array.Resize(ref _freeRows, slots);
        }
    }

    private int AllocateRow(ulong id)
    {
        var row = _freeCount > 0 ? _freeRows[--_freeCount] : _rowHigh++;
        Debug.Assert(row < _rowKeys.Length, "Row arena smaller than the slot table.");
        _rowKeys[row] = id;
        _rowUpdated[row] = _time.GetUtcNow().UtcTicks;
        var span = RowSpan(row);
        var state = Hashing.Mix64(id ^ _initSeed);
        var scale = _settings.InitScale;
        for (var d = 0; d < span.Length; d++)
        {
            state = Hashing.Mix64(state + 0x9e3779b97f4a7c15UL);
            span[d] = (float)((((state >> 11) * (1.0 / (1UL << 53))) * 2.0) - 1.0) * scale;
        }

        _count++;
        return row;
    }

    private void FreeRow(int row)
    {
        RowSpan(row).Clear();
        _freeRows[_freeCount++] = row;
        _count--;
    }
}
