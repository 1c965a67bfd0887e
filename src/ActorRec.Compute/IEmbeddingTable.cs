namespace ActorRec.Compute;

/// <summary>
/// A dense store of <see cref="Rows"/> float32 vectors of <see cref="Dimension"/> values, row-major and contiguous.
/// Every write stamps the row with a new table version, so a device-resident copy can bring itself up to date by
/// copying only the rows whose version is newer than the one it last synchronised (<see cref="GetRowVersion"/>).
/// </summary>
/// <remarks>
/// Threading: one writer at a time; scoring calls may run concurrently with each other. A scoring call that runs
/// while a row is being written may see that row half-updated (each float is read whole), which is harmless for
/// ranking; callers that need a consistent view serialise writes and scoring (the ranking actor does).
/// </remarks>
public interface IEmbeddingTable
{
    /// <summary>Number of rows.</summary>
    int Rows { get; }

    /// <summary>Values per row.</summary>
    int Dimension { get; }

    /// <summary>Version of the latest write; starts at 0 and increases by one per row written.</summary>
    long Version { get; }

    /// <summary>All rows, row-major (<c>Rows × Dimension</c> values).</summary>
    ReadOnlySpan<float> AsSpan();

    /// <summary>One row.</summary>
    ReadOnlySpan<float> GetRow(int row);

    /// <summary>The table version at which <paramref name="row"/> was last written (0: never written).</summary>
    long GetRowVersion(int row);
}
