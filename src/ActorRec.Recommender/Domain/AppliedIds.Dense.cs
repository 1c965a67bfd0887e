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
    /// <item>their seconds, run-length encoded in the same order: one 8-byte run (second, ids) per change of second,
    /// so an entity receiving many events a second pays almost nothing, and one whose every event has its own second
    /// pays 8 bytes an id;</item>
    /// <item>an index, an open-addressing table of ring slot + 1 (0: empty) by hash of the key, linear probing,
    /// at most two thirds full; 16-bit entries while the ring has fewer than 65,535 places, 32-bit beyond. Deletion
    /// shifts later entries of the probe run back (no tombstones). The table's size need not be a power of two: a
    /// key's home is its 32-bit hash scaled to the size (multiply and shift).</item>
    /// </list>
    /// </summary>
    private sealed class Dense
    {
        private const int MinCapacity = 2 * HashFrom;
        private const int MinRuns = 4;

        private ulong[] _keys;
        private int _head;
        private int _count;

        // (second << 32) | ids, oldest run at _runHead.
        private ulong[] _runs = new ulong[MinRuns];
        private int _runHead;
        private int _runCount;

        private ushort[]? _narrow;
        private int[]? _wide;

        public Dense(int capacity)
        {
            _keys = new ulong[capacity];
            BuildIndex();
        }

        public uint OldestSecond => (uint)(_runs[_runHead] >> 32);

        public long HeapBytes =>
            ArrayBytes(_keys.Length, 8) + ArrayBytes(_runs.Length, 8)
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
            _count++;
            if (_narrow is not null)
            {
                Insert(_narrow, _keys, slot);
            }
            else
            {
                Insert(_wide!, _keys, slot);
            }

            AppendSecond(second);
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
            RemoveOldestSecond();
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

            var at = 0;
            for (var r = 0; r < _runCount; r++)
            {
                var run = _runs[(_runHead + r) % _runs.Length];
                var second = (uint)(run >> 32);
                for (var n = (uint)run; n > 0; n--)
                {
                    seconds[at++] = second;
                }
            }

            Debug.Assert(at == _count, "the runs cover every id");
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
            for (var i = 0; i < _count; i++)
            {
                next[i] = _keys[(_head + i) % _keys.Length];
            }

            _keys = next;
            _head = 0;
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

        private void AppendSecond(uint second)
        {
            if (_runCount > 0)
            {
                ref var last = ref _runs[(_runHead + _runCount - 1) % _runs.Length];
                if ((uint)(last >> 32) == second && (uint)last < uint.MaxValue)
                {
                    last++;
                    return;
                }
            }

            if (_runCount == _runs.Length)
            {
                ResizeRuns(_runs.Length * 2);
            }

            _runs[(_runHead + _runCount) % _runs.Length] = ((ulong)second << 32) | 1;
            _runCount++;
        }

        private void RemoveOldestSecond()
        {
            ref var first = ref _runs[_runHead];
            first--;
            if ((uint)first != 0)
            {
                return;
            }

            _runHead = _runHead + 1 == _runs.Length ? 0 : _runHead + 1;
            _runCount--;
            if (_runs.Length > 4 * MinRuns && _runCount < _runs.Length / 4)
            {
                ResizeRuns(_runs.Length / 2);
            }
        }

        private void ResizeRuns(int size)
        {
            var next = new ulong[size];
            for (var i = 0; i < _runCount; i++)
            {
                next[i] = _runs[(_runHead + i) % _runs.Length];
            }

            _runs = next;
            _runHead = 0;
        }
    }
}
