namespace ActorRec.Recommender.Domain;

/// <summary>
/// Checkpoints of the node's learned in-memory state (<c>actorrec.feed.checkpoint</c>): the online ranking model,
/// the co-engagement table and the cold-start placement counts, which the journal does not hold.
/// </summary>
public sealed record CheckpointSettings
{
    /// <summary>Whether the state is restored at start and written periodically and on graceful shutdown.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Time between periodic checkpoints.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>File name inside the node's data dir (a clustered node puts its node name in front).</summary>
    public string FileName { get; init; } = "model-state.ckpt";

    /// <summary>
    /// Past checkpoints kept in <c>&lt;file&gt;.history/</c> (0: none), so a replayed feed ranks with the model of its
    /// time (<see cref="Checkpoints.CheckpointHistory"/>).
    /// </summary>
    public int History { get; init; } = 12;

    internal void Validate(string p)
    {
        SettingCheck.Positive($"{p}.interval", Interval);
        if (History < 0)
        {
            throw new FeedSettingsException($"{p}.history", $"must be 0 or more (got {History})");
        }

        if (string.IsNullOrWhiteSpace(FileName) || FileName.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0 || FileName is "." or "..")
        {
            throw new FeedSettingsException($"{p}.file-name", $"must be a plain file name (got '{FileName}')");
        }
    }
}
