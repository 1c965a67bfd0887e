namespace ActorRec.Recommender.Users;

/// <summary>
/// A fixed number of exponentially decayed counters keyed by 32-bit keys (topic and creator fatigue share one
/// table; their keys come from different hash namespaces). All counters share one timestamp: an update first decays
/// every counter to the event time (factor 2^(−Δt / half-life)), then adds. When full, a new key replaces the
/// smallest counter. Times going backwards (out-of-order events) do not decay.
/// <para>Slots are allocated as they fill (4, then doubling up to <c>slots</c>): a new key takes the next slot exactly
/// where a table allocated in full would find its first free one, so the behaviour and the snapshot are the same.</para>
/// <para>Each slot is one 64-bit word, the key in the high half and the value's float bits in the low half: one array
/// instead of a key array and a value array (one array header, 24 bytes, less per user).</para>
/// <para>A mutable struct held in a (non-readonly) field of its owner, so that a user's table costs no object of its
/// own; never copy one (a copy shares the array but not the decay time).</para>
/// </summary>
public struct DecayedCounters
{
    private const int InitialSlots = 4;
    private readonly int _slots;
    private ulong[] _slotWords = [];
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
        var words = _slotWords;
        for (var i = 0; i < words.Length; i++)
        {
            var k = KeyOf(words[i]);
            if (k == key)
            {
                words[i] = Pack(key, ValueOf(words[i]) + amount);
                return;
            }

            if (k == 0 && free < 0)
            {
                free = i;
            }

            if (ValueOf(words[i]) < ValueOf(words[smallest]))
            {
                smallest = i;
            }
        }

        if (free < 0 && words.Length < _slots)
        {
            free = words.Length;
            Array.Resize(ref _slotWords, Math.Min(Math.Max(InitialSlots, words.Length * 2), _slots));
        }

        _slotWords[free >= 0 ? free : smallest] = Pack(key, amount);
    }

    /// <summary>The counter of <paramref name="key"/> decayed to <paramref name="at"/> (0 when absent); does not mutate.</summary>
    public readonly float Get(uint key, DateTimeOffset at, TimeSpan halfLife)
    {
        foreach (var word in _slotWords)
        {
            if (KeyOf(word) == key)
            {
                return ValueOf(word) * Factor(at.UtcTicks - _atTicks, halfLife);
            }
        }

        return 0f;
    }

    /// <summary>Copies of the keys and values (slot order) for snapshots.</summary>
    public readonly (uint[] Keys, float[] Values) Export()
    {
        var keys = new uint[_slots];
        var values = new float[_slots];
        for (var i = 0; i < _slotWords.Length; i++)
        {
            keys[i] = KeyOf(_slotWords[i]);
            values[i] = ValueOf(_slotWords[i]);
        }

        return (keys, values);
    }

    /// <summary>Restores a snapshot taken with <see cref="Export"/> and <see cref="At"/>.</summary>
    public void Restore(ReadOnlySpan<uint> keys, ReadOnlySpan<float> values, DateTimeOffset at)
    {
        if (keys.Length != _slots || values.Length != _slots)
        {
            throw new ArgumentException($"snapshot has {keys.Length} counters; this table has {_slots}");
        }

        _slotWords = new ulong[_slots];
        for (var i = 0; i < _slots; i++)
        {
            _slotWords[i] = Pack(keys[i], values[i]);
        }

        _atTicks = at.UtcTicks;
    }

    /// <summary>Number of non-empty counters.</summary>
    public readonly int Count
    {
        get
        {
            var n = 0;
            foreach (var word in _slotWords)
            {
                n += KeyOf(word) != 0 ? 1 : 0;
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
        for (var i = 0; i < _slotWords.Length; i++)
        {
            _slotWords[i] = Pack(KeyOf(_slotWords[i]), ValueOf(_slotWords[i]) * f);
        }

        _atTicks = at.UtcTicks;
    }

    private static ulong Pack(uint key, float value) => ((ulong)key << 32) | (uint)BitConverter.SingleToInt32Bits(value);

    private static uint KeyOf(ulong word) => (uint)(word >> 32);

    private static float ValueOf(ulong word) => BitConverter.Int32BitsToSingle((int)(uint)word);

    private static float Factor(long dtTicks, TimeSpan halfLife) =>
        dtTicks <= 0 ? 1f : (float)Math.Pow(2, -(double)dtTicks / halfLife.Ticks);
}
