using System.Diagnostics;

namespace ActorRec.Compute;

/// <summary>The in-memory <see cref="IEmbeddingTable"/>: one contiguous float32 array plus a version per row.</summary>
[DebuggerDisplay("EmbeddingTable {Rows} x {Dimension}, version {Version}")]
public sealed class EmbeddingTable : IEmbeddingTable
{
    private readonly float[] _data;
    private readonly long[] _rowVersions;
    private long _version;

    /// <summary>Creates a zero-filled table.</summary>
    public EmbeddingTable(int rows, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if ((long)rows * dimension > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), $"rows × dimension = {(long)rows * dimension} exceeds the largest array.");
        }

        Rows = rows;
        Dimension = dimension;
        _data = new float[rows * dimension];
        _rowVersions = new long[rows];
    }

    public int Rows { get; }

    public int Dimension { get; }

    public long Version => Volatile.Read(ref _version);

    public ReadOnlySpan<float> AsSpan() => _data;

    public ReadOnlySpan<float> GetRow(int row)
    {
        CheckRow(row);
        return new ReadOnlySpan<float>(_data, row * Dimension, Dimension);
    }

    public long GetRowVersion(int row)
    {
        CheckRow(row);
        return Volatile.Read(ref _rowVersions[row]);
    }

    /// <summary>Overwrites one row and stamps it with a new version.</summary>
    public void SetRow(int row, ReadOnlySpan<float> values)
    {
        CheckRow(row);
        if (values.Length != Dimension)
        {
            throw new ArgumentException($"A row has {Dimension} values, got {values.Length}.", nameof(values));
        }

        values.CopyTo(_data.AsSpan(row * Dimension, Dimension));
        Stamp(row);
    }

    /// <summary>Overwrites every row from a row-major span of <c>Rows × Dimension</c> values.</summary>
    public void SetAll(ReadOnlySpan<float> values)
    {
        if (values.Length != _data.Length)
        {
            throw new ArgumentException($"The table holds {Rows} × {Dimension} = {_data.Length} values, got {values.Length}.", nameof(values));
        }

        values.CopyTo(_data);
        for (var row = 0; row < Rows; row++)
        {
            Stamp(row);
        }
    }

    private void Stamp(int row) => Volatile.Write(ref _rowVersions[row], Interlocked.Increment(ref _version));

    private void CheckRow(int row)
    {
        if ((uint)row >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"Row must be in [0, {Rows}).");
        }
    }
}
