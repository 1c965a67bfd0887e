namespace ActorRec.Recommender.Domain;

/// <summary>The kinds of interaction a client reports (the <c>type</c> field of <c>POST /v1/events</c>).</summary>
public enum InteractionType : byte
{
    View,
    Like,
    Share,
    Comment,
    Follow,
    Skip,
    NotInterested,
}

/// <summary>Wire names of <see cref="InteractionType"/>: <c>view, like, share, comment, follow, skip, not_interested</c>.</summary>
public static class InteractionTypes
{
    /// <summary>Every wire name, in enum order; used in error messages.</summary>
    public const string WireNames = "view, like, share, comment, follow, skip, not_interested";

    public static string ToWire(this InteractionType type) => type switch
    {
        InteractionType.View => "view",
        InteractionType.Like => "like",
        InteractionType.Share => "share",
        InteractionType.Comment => "comment",
        InteractionType.Follow => "follow",
        InteractionType.Skip => "skip",
        InteractionType.NotInterested => "not_interested",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown interaction type"),
    };

    /// <summary>Parses a wire name (exact, lower case).</summary>
    public static bool TryParse(string? wire, out InteractionType type)
    {
        switch (wire)
        {
            case "view": type = InteractionType.View; return true;
            case "like": type = InteractionType.Like; return true;
            case "share": type = InteractionType.Share; return true;
            case "comment": type = InteractionType.Comment; return true;
            case "follow": type = InteractionType.Follow; return true;
            case "skip": type = InteractionType.Skip; return true;
            case "not_interested": type = InteractionType.NotInterested; return true;
            default: type = default; return false;
        }
    }
}
