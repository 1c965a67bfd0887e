namespace ActorRec.Recommender.Reranking;

/// <summary>
/// One re-ranking change to a feed item, kept for explanations. Kinds: <c>fatigue</c> (score scaled down),
/// <c>diversity</c> (moved down by a creator or topic cap), <c>cap_relaxed</c> (placed despite a cap: nothing else
/// was left), <c>exploration</c> (placed in an exploration slot). <see cref="Delta"/> is the score change (0 for
/// moves), <see cref="Detail"/> a human-readable reason.
/// </summary>
public sealed record Adjustment(string Kind, string Detail, float Delta);
