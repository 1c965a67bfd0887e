namespace ActorRec.Recommender.Users;

/// <summary>
/// A fixed number of exponentially decayed counters keyed by 32-bit keys (topic and creator fatigue share one
/// table; their keys come from different hash namespaces). All counters share one timestamp: an update first decays
/// every counter to the event time (factor 2^(−Δt / half-life)), then adds. When full, a new key replaces the
/// smallest counter. Times going backwards (out-of-order events) do not decay.
/// </summary>
public sealed class DecayedCounters
{
    private readonly uint[] _keys;
    private readonly float[] _values;
    private long _atTicks;

    public DecayedCounters(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        _keys = new uint[slots];
        _values = new float[slots];
    }

    public int Slots => _keys.Length;

    public DateTimeOffset At => new(_atTicks, TimeSpan.Zero);

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

        var slot = free >= 0 ? free : smallest;
        _keys[slot] = key;
        _values[slot] = amount;
    }

    /// <summary>The counter of <paramref name="key"/> decayed to <paramref name="at"/> (0 when absent); does not mutate.</summary>
    public float Get(uint key, DateTimeOffset at, TimeSpan halfLife)
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
    public (uint[] Keys, float[] Values) Export() => ((uint[])_keys.Clone(), (float[])_values.Clone());

    /// <summary>Restores a snapshot taken with <see cref="Export"/> and <see cref="At"/>.</summary>
    public void Restore(ReadOnlySpan<uint> keys, ReadOnlySpan<float> values, DateTimeOffset at)
    {
        if (keys.Length != _keys.Length || values.Length != _values.Length)
        {
            throw new ArgumentException($"snapshot has {keys.Length} counters; this table has {_keys.Length}");
        }

        keys.CopyTo(_keys);
        values.CopyTo(_values);
        _atTicks = at.UtcTicks;
    }

    /// <summary>Number of non-empty counters.</summary>
    public int Count
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
