namespace ActorRec.Hocon;

/// <summary>
/// <c>${path}</c> or <c>${?path}</c>. <see cref="Path"/> is absolute from the root of the whole config; when
/// the substitution came from an included file, the first <see cref="PrefixLength"/> elements are the place
/// it was included at, and a lookup that finds nothing there is retried without them (then in the
/// environment), as the reference implementation does.
/// </summary>
internal sealed class HoconSubstitution : HoconValue
{
    public HoconSubstitution(IReadOnlyList<string> path, bool optional, int prefixLength, HoconOrigin? origin)
        : base(origin)
    {
        Path = path;
        Optional = optional;
        PrefixLength = prefixLength;
    }

    public IReadOnlyList<string> Path { get; }

    public bool Optional { get; }

    public int PrefixLength { get; }

    public override HoconValueType Type => HoconValueType.Unresolved;

    public override bool IsResolved => false;

    public string Expression => (Optional ? "${?" : "${") + HoconPath.Render(Path) + "}";
}

/// <summary>Pieces written next to each other on one line, at least one of them a substitution.</summary>
internal sealed class HoconConcatenation : HoconValue
{
    public HoconConcatenation(IReadOnlyList<HoconValue> pieces, HoconOrigin? origin)
        : base(origin) => Pieces = pieces;

    public IReadOnlyList<HoconValue> Pieces { get; }

    public override HoconValueType Type => HoconValueType.Unresolved;

    public override bool IsResolved => false;
}

/// <summary>
/// Definitions of one path that could not be merged while parsing because one of them needs resolving
/// (a substitution or a concatenation holding one). <see cref="Stack"/> runs oldest first; resolution
/// walks it from the newest down, and a self-reference inside element i sees the merge of elements below i.
/// </summary>
internal sealed class HoconMergeStack : HoconValue
{
    public HoconMergeStack(IReadOnlyList<HoconValue> stack)
        : base(stack[^1].Origin) => Stack = stack;

    public IReadOnlyList<HoconValue> Stack { get; }

    public override HoconValueType Type => HoconValueType.Unresolved;

    public override bool IsResolved => false;
}
