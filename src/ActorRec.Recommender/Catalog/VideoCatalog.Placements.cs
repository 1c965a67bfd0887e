namespace ActorRec.Recommender.Catalog;

/// <summary>
/// Checkpointing of the cold-start placement counts (<see cref="VideoCatalog.RecordPlacement"/>): per video key, the
/// stage they count against and the count. A restore gives a video its count back only while it is still in that
/// stage (a video promoted or stopped since has a fresh pool, as it would have had without the restart).
/// </summary>
public sealed partial class VideoCatalog
{
    /// <summary>Writes (video key, stage, stopped, placements) for every row with placements in its current stage.</summary>
    internal void WritePlacements(BinaryWriter writer)
    {
        var s = _storage;
        var rows = s.Count;
        var used = 0;
        for (var r = 0; r < rows; r++)
        {
            used += Volatile.Read(ref s.Pushes[r]) > 0 ? 1 : 0;
        }

        // A placement racing this pass may add a row; the count written is what the loop below writes.
        var entries = new (ulong Key, int Stage, bool Stopped, int Pushes)[used];
        var n = 0;
        for (var r = 0; r < rows && n < entries.Length; r++)
        {
            var pushes = Volatile.Read(ref s.Pushes[r]);
            if (pushes > 0)
            {
                var info = s.Infos[r]!;
                entries[n++] = (info.VideoKey, info.Stage, info.StageStopped, pushes);
            }
        }

        writer.Write(n);
        for (var i = 0; i < n; i++)
        {
            writer.Write(entries[i].Key);
            writer.Write(entries[i].Stage);
            writer.Write(entries[i].Stopped);
            writer.Write(entries[i].Pushes);
        }
    }

    /// <summary>
    /// Reads what <see cref="WritePlacements"/> wrote; returns the step that gives each video still in the same stage its
    /// count back. <paramref name="dropped"/> counts entries for videos gone or in another stage now.
    /// </summary>
    internal Action ReadPlacements(BinaryReader reader, out int dropped)
    {
        var count = Checkpoints.StateIO.ReadCount(reader, "placement counts");
        var rows = new List<(int Row, int Pushes)>(count);
        dropped = 0;
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadUInt64();
            var stage = reader.ReadInt32();
            var stopped = reader.ReadBoolean();
            var pushes = reader.ReadInt32();
            if (pushes < 0)
            {
                throw new InvalidDataException($"negative placement count {pushes}");
            }

            if (TryGetRow(key, out var row) && Info(row) is { } info && info.Stage == stage && info.StageStopped == stopped)
            {
                rows.Add((row, pushes));
            }
            else
            {
                dropped++;
            }
        }

        return () =>
        {
            var s = _storage;
            foreach (var (row, pushes) in rows)
            {
                Volatile.Write(ref s.Pushes[row], pushes);
            }
        };
    }
}
