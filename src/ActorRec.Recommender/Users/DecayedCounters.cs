namespace ActorRec.Recommender.Users;

/// <summary>
/// A fixed number of exponentially decayed counters keyed by 32-bit keys (topic and creator fatigue share one
/// table; their keys come from different hash namespaces). All counters share one timestamp: an update first decays
/// every counter to the event time (factor 2^(−Δt / half-life)), then adds. When full, a new key replaces the
/// smallest counter. Times going backwards (out-of-order events) do not decay.
/// <para>Slots are allocated as they fill (4, then doubling up to <c>slots</c>): a new key takes the next slot exactly
/// where a table allocated in full would find its first free one, so the behaviour and the snapshot are the same.</para>
/// <para>A mutable struct held in a (non-readonly) field of its owner, so that a user's table costs no object of its
/// own; never copy one (a copy shares the arrays but not the decay time).</para>
/// </summary>
public struct DecayedCounters
{
    private const int InitialSlots = 4;
    private readonly int _slots;
    private uint[] _keys = [];
    private float[] _values = [];
    private long _atTicks;

    public DecayedCounters(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        _slots = slots;
    }

    public readonly int Slots => _slots;

    public readonly DateTimeOffset At => new(_atTicks, TimeSpan.Zero);

    public void Add(uint key, float amount, DateTimeOffset at, TimeSpan halfLife)
    {
        DecayTo(at, halfLife);
        var free = -1;
        var smallest = 0;
        for (var i = 0; i < _keys.Length; i++)
        {
            if (_keys[i] == key)
            {
                _values[i] += amount;
                return;
            }

            if (_keys[i] == 0 && free < 0)
            {
                free = i;
            }

            if (_values[i] < _values[smallest])
            {
                smallest = i;
            }
        }

        if (free < 0 && _keys.Length < _slots)
        {
            free = _keys.Length;
            var size = Math.Min(Math.Max(InitialSlots, _keys.Length * 2), _slots);
            Array.Resize(ref _keys, size);
            Array.Resize(ref _values, size);
        }

        var slot = free >= 0 ? free : smallest;
        _keys[slot] = key;
        _values[slot] = amount;
    }

    /// <summary>The counter of <paramref name="key"/> decayed to <paramref name="at"/> (0 when absent); does not mutate.</summary>
    public readonly float Get(uint key, DateTimeOffset at, TimeSpan halfLife)
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            if (_keys[i] == key)
            {
                return _values[i] * Factor(at.UtcTicks - _atTicks, halfLife);
            }
        }

        return 0f;
    }

    /// <summary>Copies of the keys and values (slot order) for snapshots.</summary>
    public readonly (uint[] Keys, float[] Values) Export()
    {
        var keys = new uint[_slots];
        var values = new float[_slots];
        _keys.CopyTo(keys, 0);
        _values.CopyTo(values, 0);
        return (keys, values);
    }

    /// <summary>Restores a snapshot taken with <see cref="Export"/> and <see cref="At"/>.</summary>
    public void Restore(ReadOnlySpan<uint> keys, ReadOnlySpan<float> values, DateTimeOffset at)
    {
        if (keys.Length != _slots || values.Length != _slots)
        {
            throw new ArgumentException($"snapshot has {keys.Length} counters; this table has {_slots}");
        }

        _keys = keys.ToArray();
        _values = values.ToArray();
        _atTicks = at.UtcTicks;
    }

    /// <summary>Number of non-empty counters.</summary>
    public readonly int Count
    {
        get
        {
            var n = 0;
            foreach (var k in _keys)
            {
                n += k != 0 ? 1 : 0;
            }

            return n;
        }
    }

    private void DecayTo(DateTimeOffset at, TimeSpan halfLife)
    {
        var dt = at.UtcTicks - _atTicks;
        if (dt <= 0)
        {
            return;
        }

        var f = Factor(dt, halfLife);
        for (var i = 0; i < _values.Length; i++)
        {
            _values[i] *= f;
        }

        _atTicks = at.UtcTicks;
    }

    private static float Factor(long dtTicks, TimeSpan halfLife) =>
        dtTicks <= 0 ? 1f : (float)Math.Pow(2, -(double)dtTicks / halfLife.Ticks);
}
