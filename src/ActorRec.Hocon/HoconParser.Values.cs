namespace ActorRec.Hocon;

internal sealed partial class HoconParser
{
    /// <summary>
    /// A value: one or more pieces on the same line (value concatenation). Whitespace between pieces is kept
    /// as unquoted whitespace; whitespace before the first and after the last piece is dropped.
    /// </summary>
    private HoconValue ParseValue(IReadOnlyList<string> fieldPath, Token after)
    {
        var pieces = new List<HoconValue>();
        Token? pendingSpace = null;
        var hasSubstitution = false;
        var start = Peek;
        while (true)
        {
            var t = Peek;
            HoconValue? piece = null;
            switch (t.Kind)
            {
                case TokenKind.Whitespace:
                    Take();
                    if (pieces.Count > 0)
                    {
                        pendingSpace = t;
                    }

                    continue;
                case TokenKind.Unquoted:
                    piece = new HoconString(t.Text, t.Origin);
                    break;
                case TokenKind.Quoted:
                    piece = new HoconString(t.Text, t.Origin);
                    break;
                case TokenKind.Number:
                    piece = t.Number;
                    break;
                case TokenKind.True:
                    piece = new HoconBoolean(true, t.Origin);
                    break;
                case TokenKind.False:
                    piece = new HoconBoolean(false, t.Origin);
                    break;
                case TokenKind.Null:
                    piece = new HoconNull(t.Origin);
                    break;
                case TokenKind.Substitution:
                    var path = BuildPath(t.PathPieces!, t);
                    piece = new HoconSubstitution(Concat(_prefix, path), t.Optional, _prefix.Count, t.Origin);
                    hasSubstitution = true;
                    break;
                case TokenKind.OpenBrace:
                    Take();
                    piece = ParseObjectBody(t, braced: true, fieldPath);
                    break;
                case TokenKind.OpenBracket:
                    Take();
                    piece = ParseArray(t, fieldPath);
                    break;
            }

            if (piece is null)
            {
                break;
            }

            if (t.Kind is not (TokenKind.OpenBrace or TokenKind.OpenBracket))
            {
                Take();
            }

            if (pendingSpace is not null)
            {
                pieces.Add(new HoconString(pendingSpace.Text, pendingSpace.Origin, isUnquotedWhitespace: true));
                pendingSpace = null;
            }

            pieces.Add(piece);
        }

        if (pieces.Count == 0)
        {
            var what = after.Kind is TokenKind.OpenBracket or TokenKind.Comma ? "an array element" : $"a value after '{after.Text}'";
            throw Error($"expected {what}, found {Peek.Describe()}", Peek);
        }

        if (pieces.Count == 1)
        {
            return pieces[0];
        }

        return hasSubstitution ? new HoconConcatenation(pieces, start.Origin) : Concatenation.Fold(pieces, start.Origin)!;
    }

    private HoconArray ParseArray(Token open, IReadOnlyList<string> fieldPath)
    {
        Enter(open);
        try
        {
            return ParseItems(open, fieldPath);
        }
        finally
        {
            _depth--;
        }
    }

    private HoconArray ParseItems(Token open, IReadOnlyList<string> fieldPath)
    {
        var items = new List<HoconValue>();
        var previous = open;
        while (true)
        {
            SkipWhitespaceAndNewlines();
            if (Peek.Kind == TokenKind.CloseBracket)
            {
                Take();
                return new HoconArray(items, open.Origin);
            }

            if (Peek.Kind == TokenKind.EndOfFile)
            {
                throw Error($"expected ']' to close the array opened at {open.Origin.Line}:{open.Origin.Column}, found end of file", Peek);
            }

            items.Add(ParseValue(fieldPath, previous));
            SkipWhitespace();
            var t = Peek;
            switch (t.Kind)
            {
                case TokenKind.Comma:
                    previous = Take();
                    SkipWhitespaceAndNewlines();
                    if (Peek.Kind == TokenKind.Comma)
                    {
                        throw Error("expected an array element or ']' after ',', found ','", Peek);
                    }

                    break;
                case TokenKind.Newline:
                    previous = open;
                    break;
                case TokenKind.CloseBracket:
                    break;
                default:
                    throw Error($"expected ',', a newline or ']' after an array element, found {t.Describe()}", t);
            }
        }
    }

    /// <summary>
    /// <c>include "name"</c>, <c>include file("name")</c>, <c>include required(...)</c>. The tokenizer reads
    /// <c>required(file(</c> as one unquoted run, so the wrapper words are peeled off that text.
    /// </summary>
    private void ParseInclude(HoconObject obj, IReadOnlyList<string> objectPath)
    {
        var keyword = Take();

        // The name may follow on a later line (lightbend's test03.conf does this).
        SkipWhitespaceAndNewlines();
        var required = false;
        var kind = IncludeKind.Heuristic;
        var depth = 0;
        while (Peek.Kind == TokenKind.Unquoted)
        {
            var t = Take();
            var text = t.Text;
            while (text.Length > 0)
            {
                if (text.StartsWith("required(", StringComparison.Ordinal) && !required && kind == IncludeKind.Heuristic)
                {
                    required = true;
                    text = text["required(".Length..];
                }
                else if (TryKind(ref text, out var k) && kind == IncludeKind.Heuristic)
                {
                    kind = k;
                }
                else
                {
                    throw Error($"expected a quoted file name, file(\"...\"), classpath(\"...\"), url(\"...\") or required(...) after include, found '{t.Text}'", t);
                }

                depth++;
            }

            SkipWhitespace();
        }

        var nameToken = Peek;
        if (nameToken.Kind != TokenKind.Quoted)
        {
            throw Error($"expected a quoted file name after include, found {nameToken.Describe()}", nameToken);
        }

        Take();
        var closed = 0;
        while (closed < depth)
        {
            SkipWhitespace();
            var t = Peek;
            if (t.Kind != TokenKind.Unquoted || t.Text.Trim(')').Length != 0)
            {
                throw Error($"expected ')' to close the include, found {t.Describe()}", t);
            }

            closed += t.Text.Length;
            Take();
        }

        if (closed > depth)
        {
            throw Error("too many ')' after the include", nameToken);
        }

        var included = _includes.Include(nameToken.Text, kind, required, objectPath, _file, keyword.Origin);
        foreach (var (key, value) in included)
        {
            Put(obj, key, value);
        }
    }

    private static bool TryKind(ref string text, out IncludeKind kind)
    {
        foreach (var (word, k) in IncludeWords)
        {
            if (text.StartsWith(word, StringComparison.Ordinal))
            {
                text = text[word.Length..];
                kind = k;
                return true;
            }
        }

        kind = IncludeKind.Heuristic;
        return false;
    }

    private static readonly (string Word, IncludeKind Kind)[] IncludeWords =
    [
        ("file(", IncludeKind.File),
        ("classpath(", IncludeKind.Classpath),
        ("url(", IncludeKind.Url),
    ];
}
