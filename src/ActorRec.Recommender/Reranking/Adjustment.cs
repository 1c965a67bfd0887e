using System.Globalization;

namespace ActorRec.Recommender.Reranking;

/// <summary>
/// One re-ranking change to a feed item, kept for explanations. Kinds: <c>fatigue</c> (score scaled down),
/// <c>diversity</c> (moved down by a creator or topic cap), <c>cap_relaxed</c> (placed despite a cap: nothing else
/// was left), <c>mmr</c> (placed ahead of a higher-scored candidate for diversity), <c>exploration</c> (placed in an
/// exploration slot). <see cref="Delta"/> is the score change (0 for moves), <see cref="Detail"/> a human-readable
/// reason.
/// </summary>
/// <remarks>
/// The re-ranker records the facts of an adjustment, not its text: <see cref="Detail"/> is formatted on first read,
/// so a feed served without explanations never formats a string (formatting a note for every candidate was most of
/// a feed's re-ranking time and garbage).
/// </remarks>
public sealed class Adjustment
{
    private readonly AdjustmentFacts _facts;
    private string? _detail;

    public Adjustment(string kind, string detail, float delta)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(detail);
        Kind = kind;
        Delta = delta;
        _detail = detail;
    }

    internal Adjustment(string kind, float delta, in AdjustmentFacts facts)
    {
        Kind = kind;
        Delta = delta;
        _facts = facts;
    }

    public string Kind { get; }

    public float Delta { get; }

    public string Detail => _detail ??= Format(Kind, _facts);

    public override string ToString() => $"{Kind}: {Detail} ({Delta})";

    private static string Format(string kind, in AdjustmentFacts f) => kind switch
    {
        AdjustmentKinds.Fatigue => string.Create(CultureInfo.InvariantCulture,
            $"topic fatigue {f.A:0.##}, creator fatigue {f.B:0.##}: score x{f.C:0.###}"),
        AdjustmentKinds.Exploration => string.Create(CultureInfo.InvariantCulture,
            $"exploration slot at position {f.Position}: Thompson draw {f.A:0.###} from Beta({f.B:0.#}, {f.C:0.#}), best of {f.Count} new videos{(f.Cap is null ? string.Empty : $"; {f.Cap} cap relaxed")}"),
        AdjustmentKinds.Diversity => string.Create(CultureInfo.InvariantCulture, $"held back at position {f.Position} by the {f.Cap} cap"),
        AdjustmentKinds.Mmr => string.Create(CultureInfo.InvariantCulture,
            $"placed at position {f.Position} ahead of higher-scored {f.Text}: similarity to the feed so far {f.A:0.##} vs {f.B:0.##}"),
        AdjustmentKinds.CapRelaxed => string.Create(CultureInfo.InvariantCulture, $"placed at position {f.Position} despite caps: no other candidate left"),
        _ => kind,
    };
}

/// <summary>The kinds of <see cref="Adjustment"/>.</summary>
public static class AdjustmentKinds
{
    public const string Fatigue = "fatigue";
    public const string Exploration = "exploration";
    public const string Diversity = "diversity";
    public const string Mmr = "mmr";
    public const string CapRelaxed = "cap_relaxed";
}

/// <summary>What an adjustment's text is made of: a 1-based feed position, up to three numbers, a count, a video id and a cap name.</summary>
internal readonly record struct AdjustmentFacts(int Position, double A = 0, double B = 0, double C = 0, int Count = 0, string? Text = null, string? Cap = null);
