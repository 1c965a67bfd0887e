using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Checkpoints;

namespace ActorRec.Recommender.Retrieval;

/// <summary>
/// Checkpointing of the table. Rows are catalog rows, which a restart may number differently (the catalog is rebuilt
/// from the journal in whatever order the videos recover), so the checkpoint names every video by its stable key and
/// a restore maps keys back to the rows of the catalog it finds; videos that are gone are dropped with their pairs.
/// </summary>
public sealed partial class CoEngagementTable
{
    /// <summary>Writes the shape and, for every video with occurrences or partners, its key, occurrences and (partner key, count) list.</summary>
    internal void WriteState(BinaryWriter writer, VideoCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        lock (_lock)
        {
            writer.Write(_width);
            var rows = Math.Min(_fill.Length, catalog.Count);
            var used = 0;
            for (var r = 0; r < rows; r++)
            {
                used += _fill[r] > 0 || _occurrences[r] > 0f ? 1 : 0;
            }

            writer.Write(used);
            for (var r = 0; r < rows; r++)
            {
                if (_fill[r] == 0 && _occurrences[r] <= 0f)
                {
                    continue;
                }

                writer.Write(catalog.Info(r).VideoKey);
                writer.Write(_occurrences[r]);
                var fill = _fill[r];
                var at = r * _width;
                var kept = 0;
                for (var s = 0; s < fill; s++)
                {
                    kept += _partners[at + s] < rows ? 1 : 0;
                }

                writer.Write(kept);
                for (var s = 0; s < fill; s++)
                {
                    if (_partners[at + s] < rows)
                    {
                        writer.Write(catalog.Info(_partners[at + s]).VideoKey);
                        writer.Write(_counts[at + s]);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Reads what <see cref="WriteState"/> wrote, mapping video keys to the rows of <paramref name="catalog"/>; returns
    /// the step that replaces this table's content with it. <paramref name="dropped"/> counts the videos not in the catalog.
    /// </summary>
    internal Action ReadState(BinaryReader reader, VideoCatalog catalog, out int dropped)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        StateIO.Expect(reader, _width, "retrieval.co-engagement.neighbours");
        var count = StateIO.ReadCount(reader, "co-engagement videos");
        var rowCount = Math.Max(1024, catalog.Count);
        var partners = new int[rowCount * _width];
        var counts = new float[rowCount * _width];
        var fills = new int[rowCount];
        var occurrences = new float[rowCount];
        dropped = 0;
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadUInt64();
            var occurrence = reader.ReadSingle();
            var fill = reader.ReadInt32();
            if (fill < 0 || fill > _width || !float.IsFinite(occurrence))
            {
                throw new InvalidDataException($"co-engagement list of {fill} partners (at most {_width}) or occurrences {occurrence} out of range");
            }

            var known = catalog.TryGetRow(key, out var row) && row < rowCount;
            dropped += known ? 0 : 1;
            var kept = 0;
            for (var s = 0; s < fill; s++)
            {
                var partnerKey = reader.ReadUInt64();
                var c = reader.ReadSingle();
                if (known && catalog.TryGetRow(partnerKey, out var partner) && partner < rowCount && float.IsFinite(c))
                {
                    partners[(row * _width) + kept] = partner;
                    counts[(row * _width) + kept] = c;
                    kept++;
                }
            }

            if (known)
            {
                fills[row] = kept;
                occurrences[row] = occurrence;
            }
        }

        return () =>
        {
            lock (_lock)
            {
                _partners = partners;
                _counts = counts;
                _fill = fills;
                _occurrences = occurrences;
            }
        };
    }
}
