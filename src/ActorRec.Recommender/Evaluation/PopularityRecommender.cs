namespace ActorRec.Recommender.Evaluation;

/// <summary>The popularity baseline: ranks items by the number of positives seen so far (learned online).</summary>
public sealed class PopularityRecommender : IOnlineRecommender
{
    private readonly float[] _counts;

    /// <summary>Creates the baseline over <paramref name="itemCount"/> items.</summary>
    public PopularityRecommender(int itemCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(itemCount);
        _counts = new float[itemCount];
    }

    /// <inheritdoc />
    public string Name => "popularity";

    /// <inheritdoc />
    public int TopK(int user, int k, IReadOnlySet<int> exclude, Span<int> destination) =>
        TopKSelector.Select(_counts, k, exclude, destination);

    /// <inheritdoc />
    public void Observe(in Interaction interaction)
    {
        if (interaction.Positive)
        {
            _counts[interaction.Item] += 1f;
        }
    }
}
