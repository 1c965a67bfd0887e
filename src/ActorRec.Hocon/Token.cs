namespace ActorRec.Hocon;

internal enum TokenKind
{
    EndOfFile,
    Newline,
    Whitespace,
    Comma,
    Colon,
    Equals,
    PlusEquals,
    OpenBrace,
    CloseBrace,
    OpenBracket,
    CloseBracket,
    Unquoted,
    Quoted,
    Number,
    True,
    False,
    Null,
    Substitution,
}

/// <summary>One piece of a substitution's path expression: text, and whether it was quoted (no dot splitting).</summary>
internal readonly record struct PathPiece(string Text, bool Quoted);

/// <summary>
/// A lexical token with its position. <see cref="Text"/> is the decoded content for quoted strings and the
/// source text for everything else (numbers keep their original spelling).
/// </summary>
internal sealed class Token
{
    public Token(TokenKind kind, string text, HoconOrigin origin)
    {
        Kind = kind;
        Text = text;
        Origin = origin;
    }

    public TokenKind Kind { get; }

    public string Text { get; }

    public HoconOrigin Origin { get; }

    public HoconNumber? Number { get; init; }

    public bool Optional { get; init; }

    public IReadOnlyList<PathPiece>? PathPieces { get; init; }

    /// <summary>How the token reads in an error message.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.EndOfFile => "end of file",
        TokenKind.Newline => "newline",
        TokenKind.Whitespace => "whitespace",
        TokenKind.Quoted => $"quoted string \"{Text}\"",
        TokenKind.Substitution => $"substitution '{Text}'",
        TokenKind.Number => $"number {Text}",
        TokenKind.Unquoted => $"'{Text}'",
        _ => $"'{Text}'",
    };
}
