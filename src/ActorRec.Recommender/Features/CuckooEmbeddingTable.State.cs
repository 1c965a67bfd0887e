using System.Runtime.InteropServices;
using ActorRec.Recommender.Checkpoints;

namespace ActorRec.Recommender.Features;

/// <summary>Checkpointing of the table: every admitted id with its row and last update time, and the admission sketch.</summary>
public sealed partial class CuckooEmbeddingTable
{
    /// <summary>
    /// Writes the dimension, every admitted (id, last update, row) and the sketch's counters. Slot placement is not
    /// written: a restore re-admits each id, and lookups depend only on the id, so the restored table answers the same.
    /// </summary>
    internal void WriteState(BinaryWriter writer)
    {
        writer.Write(_dimension);
        writer.Write(_count);
        var written = 0;
        for (var s = 0; s < _slotRows.Length; s++)
        {
            written += WriteRow(writer, _slotRows[s]);
        }

        for (var s = 0; s < _stashRows.Length; s++)
        {
            written += WriteRow(writer, _stashRows[s]);
        }

        if (_hasPending)
        {
            written += WriteRow(writer, _pendingRow);
        }

        if (written != _count)
        {
            throw new InvalidOperationException($"the sparse table holds {_count} rows but {written} were reachable");
        }

        writer.Write(_sketch.Width);
        writer.Write(_sketch.Depth);
        StateIO.WriteUInts(writer, _sketch.Counters);
    }

    /// <summary>Reads what <see cref="WriteState"/> wrote (dimension and sketch shape must match); returns the step that replaces this table's content with it.</summary>
    internal Action ReadState(BinaryReader reader)
    {
        StateIO.Expect(reader, _dimension, "sparse-table.dimension");
        var count = StateIO.ReadCount(reader, "sparse-table rows");
        var ids = new ulong[count];
        var updated = new long[count];
        var rows = new float[count * _dimension];
        for (var i = 0; i < count; i++)
        {
            ids[i] = reader.ReadUInt64();
            updated[i] = reader.ReadInt64();
            reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(rows.AsSpan(i * _dimension, _dimension)));
        }

        StateIO.Expect(reader, _sketch.Width, "sparse-table.sketch-width (rounded to a power of two)");
        StateIO.Expect(reader, _sketch.Depth, "sparse-table.sketch-depth");
        var counters = StateIO.ReadUInts(reader, _sketch.Counters.Length, "the admission sketch");
        return () =>
        {
            Clear();
            for (var i = 0; i < count; i++)
            {
                if (Find(ids[i]) >= 0)
                {
                    continue;
                }

                var r = Admit(ids[i]);
                rows.AsSpan(i * _dimension, _dimension).CopyTo(RowSpan(r));
                _rowUpdated[r] = updated[i];
            }

            counters.CopyTo(_sketch.Counters);
        };
    }

    /// <summary>Forgets every row (the slots keep their size).</summary>
    private void Clear()
    {
        Array.Fill(_slotRows, EmptyRow);
        Array.Fill(_stashRows, EmptyRow);
        Array.Clear(_arena);
        _stashCount = 0;
        _freeCount = 0;
        _rowHigh = 0;
        _count = 0;
        _hasPending = false;
        _sketch.Clear();
    }

    private int WriteRow(BinaryWriter writer, int row)
    {
        if (row == EmptyRow)
        {
            return 0;
        }

        writer.Write(_rowKeys[row]);
        writer.Write(_rowUpdated[row]);
        writer.Write(MemoryMarshal.AsBytes(RowSpan(row)));
        return 1;
    }
}
