using System.Diagnostics;
using System.Numerics;

namespace ActorRec.Recommender.Domain;

public partial struct AppliedIds
{
    /// <summary>
    /// The layout of an entity that remembers more than <see cref="HashFrom"/> ids. Three parts, each sized to what it
    /// holds:
    /// <list type="bullet">
    /// <item>the ids, a ring of 8-byte keys in arrival order (grown by half, halved when a quarter full);</item>
    /// <item>their seconds in a parallel ring of 16-bit offsets from a base second, while the seconds kept span at
    /// most 65,535 s (18 h; the base moves, with a margin for late events, when a second falls outside); 32-bit
    /// seconds beyond that span (an entity whose last <c>window</c> ids are spread over more than 18 h);</item>
    /// <item>an index, an open-addressing table of ring slot + 1 (0: empty) by hash of the key, linear probing,
    /// at most two thirds full; 16-bit entries while the ring has fewer than 65,535 places, 32-bit beyond. Deletion
    /// shifts later entries of the probe run back (no tombstones). The table's size need not be a power of two: a
    /// key's home is its 32-bit hash scaled to the size (multiply and shift).</item>
    /// </list>
    /// </summary>
    private sealed class Dense
    {
        private const int MinCapacity = 2 * HashFrom;
        private const int LateMargin = 3_600;

        private ulong[] _keys;
        private int _head;
        private int _count;

        // Seconds of the ids, same slots: offsets from _base (16-bit) or whole seconds (32-bit); one is null.
        private ushort[]? _offsets;
        private uint[]? _seconds;
        private uint _base;

        private ushort[]? _narrow;
        private int[]? _wide;

        public Dense(int capacity)
        {
            _keys = new ulong[capacity];
            _offsets = new ushort[capacity];
            BuildIndex();
        }

        public uint OldestSecond => SecondAt(_head);

        public long HeapBytes =>
            ArrayBytes(_keys.Length, 8) + (_offsets is not null ? ArrayBytes(_offsets.Length, 2) : ArrayBytes(_seconds!.Length, 4))
            + (_narrow is not null ? ArrayBytes(_narrow.Length, 2) : ArrayBytes(_wide!.Length, 4)) + 64;

        public bool Contains(ulong key) => _narrow is not null ? Find(_narrow, _keys, key) >= 0 : Find(_wide!, _keys, key) >= 0;

        /// <summary>Appends a key known to be absent; grows the ring (up to <paramref name="max"/> places) when full.</summary>
        public void Append(ulong key, uint second, int max)
        {
            if (_count == _keys.Length)
            {
                Resize(Math.Min(_keys.Length + (_keys.Length >> 1), max));
            }

            var slot = _head + _count;
            if (slot >= _keys.Length)
            {
                slot -= _keys.Length;
            }

            _keys[slot] = key;
            SetSecond(slot, second);
            _count++;
            if (_narrow is not null)
            {
                Insert(_narrow, _keys, slot);
            }
            else
            {
                Insert(_wide!, _keys, slot);
            }

        }

        public void RemoveOldest()
        {
            Debug.Assert(_count > 0, "an id to forget");
            if (_narrow is not null)
            {
                Remove(_narrow, _keys, Find(_narrow, _keys, _keys[_head]));
            }
            else
            {
                Remove(_wide!, _keys, Find(_wide!, _keys, _keys[_head]));
            }

            _head = _head + 1 == _keys.Length ? 0 : _head + 1;
            _count--;
            if (_keys.Length > MinCapacity && _count < _keys.Length / 4)
            {
                Resize(Math.Max(MinCapacity, _keys.Length / 2));
            }
        }

        /// <summary>Copies the ids oldest first with their seconds into arrays of <c>Count</c> elements.</summary>
        public void CopyTo(ulong[] keys, uint[] seconds)
        {
            Debug.Assert(keys.Length == _count && seconds.Length == _count, "arrays of Count elements");
            for (var i = 0; i < _count; i++)
            {
                keys[i] = _keys[(_head + i) % _keys.Length];
            }

            for (var i = 0; i < _count; i++)
            {
                seconds[i] = SecondAt((_head + i) % _keys.Length);
            }
        }

        private static int Home(ulong key, int size) => (int)(((ulong)(uint)Hash(key) * (uint)size) >> 31);

        private static int Find<T>(T[] table, ulong[] keys, ulong key)
            where T : unmanaged, IBinaryInteger<T>
        {
            var size = table.Length;
            for (var i = Home(key, size); ; i = i + 1 == size ? 0 : i + 1)
            {
                var slot = int.CreateTruncating(table[i]);
                if (slot == 0)
                {
                    return -1;
                }

                if (keys[slot - 1] == key)
                {
                    return i;
                }
            }
        }

        private static void Insert<T>(T[] table, ulong[] keys, int slot)
            where T : unmanaged, IBinaryInteger<T>
        {
            var size = table.Length;
            var i = Home(keys[slot], size);
            while (table[i] != T.Zero)
            {
                i = i + 1 == size ? 0 : i + 1;
            }

            table[i] = T.CreateTruncating(slot + 1);
        }

        // Linear-probing deletion: later entries of the same probe run shift back into the hole, so no tombstones.
        private static void Remove<T>(T[] table, ulong[] keys, int hole)
            where T : unmanaged, IBinaryInteger<T>
        {
            Debug.Assert(hole >= 0, "a kept id is in the table");
            var size = table.Length;
            var j = hole;
            while (true)
            {
                j = j + 1 == size ? 0 : j + 1;
                if (table[j] == T.Zero)
                {
                    break;
                }

                var home = Home(keys[int.CreateTruncating(table[j]) - 1], size);
                var stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
                if (!stays)
                {
                    table[hole] = table[j];
                    hole = j;
                }
            }

            table[hole] = T.Zero;
        }

        private void Resize(int capacity)
        {
            Debug.Assert(capacity >= _count, "room for every id");
            var next = new ulong[capacity];
            var seconds = new uint[_count];
            for (var i = 0; i < _count; i++)
            {
                var slot = (_head + i) % _keys.Length;
                next[i] = _keys[slot];
                seconds[i] = SecondAt(slot);
            }

            _keys = next;
            _head = 0;
            StoreSeconds(seconds, capacity, extra: null);
            BuildIndex();
        }

        // A table of 1.5 places per ring place (at most two thirds full), 16-bit while slot + 1 fits.
        private void BuildIndex()
        {
            var size = _keys.Length + (_keys.Length >> 1) + 1;
            _narrow = null;
            _wide = null;
            if (_keys.Length < ushort.MaxValue)
            {
                _narrow = new ushort[size];
                for (var i = 0; i < _count; i++)
                {
                    Insert(_narrow, _keys, i);
                }
            }
            else
            {
                _wide = new int[size];
                for (var i = 0; i < _count; i++)
                {
                    Insert(_wide, _keys, i);
                }
            }
        }

        private uint SecondAt(int slot) => _offsets is not null ? _base + _offsets[slot] : _seconds![slot];

        private void SetSecond(int slot, uint second)
        {
            if (_offsets is not null)
            {
                if (second - _base <= ushort.MaxValue && second >= _base)
                {
                    _offsets[slot] = (ushort)(second - _base);
                    return;
                }

                // Outside the 16-bit span: choose a new base (or 32-bit seconds) for the kept seconds and this one.
                var kept = new uint[_count];
                for (var i = 0; i < _count; i++)
                {
                    kept[i] = SecondAt((_head + i) % _keys.Length);
                }

                StoreSeconds(kept, _keys.Length, second);
            }

            if (_offsets is not null)
            {
                _offsets[slot] = (ushort)(second - _base);
            }
            else
            {
                _seconds![slot] = second;
            }
        }

        // Stores the kept seconds (oldest first, from slot 0) as offsets when they and extra span at most 65,535 s,
        // leaving room below for late events; as whole seconds otherwise.
        private void StoreSeconds(uint[] kept, int capacity, uint? extra)
        {
            var min = extra ?? uint.MaxValue;
            var max = extra ?? uint.MinValue;
            foreach (var second in kept)
            {
                min = Math.Min(min, second);
                max = Math.Max(max, second);
            }

            var head = _head;
            _offsets = null;
            _seconds = null;
            if (kept.Length == 0 && extra is null)
            {
                _base = 0;
                _offsets = new ushort[capacity];
                return;
            }

            if (max - min <= ushort.MaxValue)
            {
                _base = min - Math.Min(min, Math.Min(LateMargin, ushort.MaxValue - (max - min)));
                _offsets = new ushort[capacity];
                for (var i = 0; i < kept.Length; i++)
                {
                    _offsets[(head + i) % capacity] = (ushort)(kept[i] - _base);
                }
            }
            else
            {
                _seconds = new uint[capacity];
                for (var i = 0; i < kept.Length; i++)
                {
                    _seconds[(head + i) % capacity] = kept[i];
                }
            }
        }
    }
}
