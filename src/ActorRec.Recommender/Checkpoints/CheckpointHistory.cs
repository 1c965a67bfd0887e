using System.Globalization;

namespace ActorRec.Recommender.Checkpoints;

/// <summary>
/// The kept past checkpoints of a node, so that <c>journal replay user/ID --feed --to-time T</c> can rank with the
/// model the node had around T instead of initial weights. Each checkpoint the node writes is also written (atomically,
/// <see cref="CheckpointFile.Write"/>) to <c>&lt;checkpoint file&gt;.history/&lt;UTC time&gt;.ckpt</c>, the time being
/// when the state was captured (<c>yyyyMMddTHHmmssfffZ</c>, so names sort by time), and only the newest
/// <c>checkpoint.history</c> are kept. Files whose names do not parse are ignored and never deleted.
/// </summary>
public static class CheckpointHistory
{
    /// <summary>Suffix of the history folder after the checkpoint file's path.</summary>
    public const string FolderSuffix = ".history";

    private const string Extension = ".ckpt";
    private const string TimeFormat = "yyyyMMdd'T'HHmmssfff'Z'";

    /// <summary>The history folder of the checkpoint file <paramref name="checkpointPath"/>.</summary>
    public static string FolderFor(string checkpointPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointPath);
        return checkpointPath + FolderSuffix;
    }

    /// <summary>
    /// Writes <paramref name="payload"/> captured at <paramref name="capturedAt"/> into <paramref name="folder"/>, then
    /// deletes the oldest entries beyond <paramref name="keep"/>; returns the new entry's path.
    /// </summary>
    public static string Add(string folder, DateTimeOffset capturedAt, int version, ReadOnlySpan<byte> payload, int keep)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, capturedAt.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + Extension);
        CheckpointFile.Write(path, version, payload);
        var entries = List(folder);
        for (var i = 0; i < entries.Count - keep; i++)
        {
            File.Delete(entries[i].Path);
        }

        return path;
    }

    /// <summary>The entries of <paramref name="folder"/>, oldest first (empty when it does not exist).</summary>
    public static IReadOnlyList<CheckpointEntry> List(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var entries = new List<CheckpointEntry>();
        foreach (var path in Directory.EnumerateFiles(folder, "*" + Extension))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (DateTime.TryParseExact(name, TimeFormat, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at))
            {
                entries.Add(new CheckpointEntry(new DateTimeOffset(at, TimeSpan.Zero), path));
            }
        }

        entries.Sort(static (a, b) => a.CapturedAt.CompareTo(b.CapturedAt));
        return entries;
    }

    /// <summary>The newest entry captured at or before <paramref name="time"/>, or null when there is none.</summary>
    public static CheckpointEntry? AtOrBefore(string folder, DateTimeOffset time)
    {
        CheckpointEntry? best = null;
        foreach (var entry in List(folder))
        {
            if (entry.CapturedAt > time)
            {
                break;
            }

            best = entry;
        }

        return best;
    }
}

/// <summary>One kept checkpoint: when its state was captured, and its file.</summary>
public sealed record CheckpointEntry(DateTimeOffset CapturedAt, string Path);
