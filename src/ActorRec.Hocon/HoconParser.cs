using System.Text;

namespace ActorRec.Hocon;

/// <summary>
/// Recursive-descent parser over the token list of one file. It builds the unresolved tree: duplicate keys
/// and path keys (<c>a.b.c = 1</c>) are merged as they are read (<see cref="ValueMerger"/>), <c>+=</c> becomes
/// <c>${?path} [value]</c>, and includes are parsed with the path they land at as a prefix, so that their
/// substitutions are absolute in the final tree (with <see cref="HoconSubstitution.PrefixLength"/> marking the
/// prefix for the fall-back lookup).
/// </summary>
internal sealed partial class HoconParser
{
    private readonly List<Token> _tokens;
    private readonly IncludeContext _includes;
    private readonly string _file;
    private readonly IReadOnlyList<string> _prefix;
    private int _index;
    private int _depth;

    /// <summary>Objects and arrays may nest this deep; deeper input is rejected instead of exhausting the stack.</summary>
    internal const int MaxNesting = 512;

    private HoconParser(string text, string file, IReadOnlyList<string> prefix, IncludeContext includes)
    {
        _file = file;
        _prefix = prefix;
        _includes = includes;
        _tokens = Tokenizer.Tokenize(text, file);
    }

    /// <summary>Parses a whole HOCON document into its (unresolved) root object.</summary>
    public static HoconObject Parse(string text, string file, IReadOnlyList<string> prefix, IncludeContext includes) =>
        new HoconParser(text, file, prefix, includes).ParseRoot();

    private Token Peek => _tokens[_index];

    private Token PeekAt(int ahead) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private Token Take() => _tokens[_index == _tokens.Count - 1 ? _index : _index++];

    private static HoconException Error(string reason, Token at) => new(reason, at.Origin);

    private void SkipWhitespace()
    {
        while (Peek.Kind == TokenKind.Whitespace)
        {
            _index++;
        }
    }

    private void SkipWhitespaceAndNewlines()
    {
        while (Peek.Kind is TokenKind.Whitespace or TokenKind.Newline)
        {
            _index++;
        }
    }

    private HoconObject ParseRoot()
    {
        SkipWhitespaceAndNewlines();
        HoconObject root;
        if (Peek.Kind == TokenKind.OpenBrace)
        {
            var open = Take();
            root = ParseObjectBody(open, braced: true, _prefix);
            SkipWhitespaceAndNewlines();
            if (Peek.Kind != TokenKind.EndOfFile)
            {
                throw Error($"expected end of file after the root object's closing '}}', found {Peek.Describe()}", Peek);
            }
        }
        else if (Peek.Kind == TokenKind.OpenBracket)
        {
            throw Error("expected an object at the root of a config file, found an array ('[')", Peek);
        }
        else
        {
            root = ParseObjectBody(Peek, braced: false, _prefix);
        }

        return root;
    }

    /// <summary>Reads fields until '}' (braced) or end of file (root without braces).</summary>
    private HoconObject ParseObjectBody(Token open, bool braced, IReadOnlyList<string> objectPath)
    {
        Enter(open);
        try
        {
            return ParseFields(open, braced, objectPath);
        }
        finally
        {
            _depth--;
        }
    }

    private void Enter(Token open)
    {
        if (++_depth > MaxNesting)
        {
            throw Error($"objects and arrays nest more than {MaxNesting} deep", open);
        }
    }

    private HoconObject ParseFields(Token open, bool braced, IReadOnlyList<string> objectPath)
    {
        var obj = new HoconObject(open.Origin);
        while (true)
        {
            SkipWhitespaceAndNewlines();
            var t = Peek;
            if (t.Kind == TokenKind.CloseBrace)
            {
                if (!braced)
                {
                    throw Error("unbalanced '}': no object is open here", t);
                }

                Take();
                return obj;
            }

            if (t.Kind == TokenKind.EndOfFile)
            {
                if (braced)
                {
                    throw Error($"expected '}}' to close the object opened at {open.Origin.Line}:{open.Origin.Column}, found end of file", t);
                }

                return obj;
            }

            if (IsIncludeStatement())
            {
                ParseInclude(obj, objectPath);
            }
            else
            {
                ParseField(obj, objectPath);
            }

            // A field ends at ',' or newline, or where the object ends.
            SkipWhitespace();
            var end = Peek;
            switch (end.Kind)
            {
                case TokenKind.Comma:
                    Take();
                    break;
                case TokenKind.Newline:
                case TokenKind.CloseBrace:
                case TokenKind.EndOfFile:
                    break;
                default:
                    throw Error($"expected ',' or a newline after a field, or '{(braced ? "}" : "end of file")}', found {end.Describe()}", end);
            }
        }
    }

    private bool IsIncludeStatement()
    {
        if (Peek is not { Kind: TokenKind.Unquoted, Text: "include" })
        {
            return false;
        }

        var i = 1;
        while (PeekAt(i).Kind is TokenKind.Whitespace or TokenKind.Newline)
        {
            i++;
        }

        // "include : 1" is a field named include.
        return PeekAt(i).Kind is not (TokenKind.Colon or TokenKind.Equals or TokenKind.PlusEquals or TokenKind.OpenBrace);
    }

    private void ParseField(HoconObject obj, IReadOnlyList<string> objectPath)
    {
        var keyStart = Peek;
        var key = ParseKey();
        SkipWhitespaceAndNewlines();
        var sep = Peek;
        var fullPath = Concat(objectPath, key);
        HoconValue value;
        switch (sep.Kind)
        {
            case TokenKind.Colon or TokenKind.Equals:
                Take();
                SkipWhitespaceAndNewlines();
                value = ParseValue(fullPath, sep);
                break;
            case TokenKind.PlusEquals:
                Take();
                SkipWhitespaceAndNewlines();
                var element = ParseValue(fullPath, sep);
                var self = new HoconSubstitution(fullPath, optional: true, _prefix.Count, sep.Origin);
                value = new HoconConcatenation([self, new HoconArray([element], element.Origin)], sep.Origin);
                break;
            case TokenKind.OpenBrace:
                value = ParseValue(fullPath, sep);
                break;
            default:
                throw Error($"expected ':', '=', '+=' or '{{' after the key '{HoconPath.Render(key)}', found {sep.Describe()}", sep);
        }

        for (var i = key.Count - 1; i >= 1; i--)
        {
            var wrapper = new HoconObject(keyStart.Origin);
            wrapper.Set(key[i], value);
            value = wrapper;
        }

        Put(obj, key[0], value);
    }

    private static void Put(HoconObject obj, string key, HoconValue value) =>
        obj.Set(key, ValueMerger.Merge(obj.TryGetValue(key, out var old) ? old : null, value, inPlace: true));

    private static IReadOnlyList<string> Concat(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var list = new List<string>(a.Count + b.Count);
        list.AddRange(a);
        list.AddRange(b);
        return list;
    }

    /// <summary>A key: unquoted text, quoted strings, numbers and keywords on one line, split into path elements at unquoted '.'.</summary>
    private List<string> ParseKey()
    {
        var pieces = new List<PathPiece>();
        var first = Peek;
        while (true)
        {
            var t = Peek;
            switch (t.Kind)
            {
                case TokenKind.Unquoted or TokenKind.Number or TokenKind.True or TokenKind.False or TokenKind.Null:
                    pieces.Add(new PathPiece(t.Text, false));
                    Take();
                    continue;
                case TokenKind.Quoted:
                    pieces.Add(new PathPiece(t.Text, true));
                    Take();
                    continue;
                case TokenKind.Whitespace when pieces.Count > 0:
                    var next = PeekAt(1).Kind;
                    if (next is TokenKind.Unquoted or TokenKind.Number or TokenKind.True or TokenKind.False or TokenKind.Null or TokenKind.Quoted)
                    {
                        pieces.Add(new PathPiece(t.Text, false));
                    }

                    Take();
                    continue;
            }

            break;
        }

        if (pieces.Count == 0)
        {
            var what = first.Kind switch
            {
                TokenKind.OpenBrace => "an object ('{') cannot be a key",
                TokenKind.OpenBracket => "an array ('[') cannot be a key",
                TokenKind.Substitution => "a substitution cannot be a key",
                _ => $"found {first.Describe()}",
            };
            throw Error($"expected a key (field name): {what}", first);
        }

        return BuildPath(pieces, first);
    }

    /// <summary>Joins key or substitution pieces into path elements; dots split only unquoted text.</summary>
    internal static List<string> BuildPath(IReadOnlyList<PathPiece> pieces, Token at)
    {
        var elements = new List<string>();
        var current = new StringBuilder();
        var hasContent = false;
        foreach (var piece in pieces)
        {
            if (piece.Quoted)
            {
                current.Append(piece.Text);
                hasContent = true;
                continue;
            }

            foreach (var c in piece.Text)
            {
                if (c == '.')
                {
                    if (!hasContent)
                    {
                        throw Error($"invalid path '{Raw(pieces)}': a path element is empty (leading, trailing or doubled '.'); quote an empty key as \"\"", at);
                    }

                    elements.Add(current.ToString());
                    current.Clear();
                    hasContent = false;
                }
                else
                {
                    current.Append(c);
                    hasContent = true;
                }
            }
        }

        if (!hasContent)
        {
            throw Error($"invalid path '{Raw(pieces)}': a path element is empty (leading, trailing or doubled '.'); quote an empty key as \"\"", at);
        }

        elements.Add(current.ToString());
        return elements;
    }

    private static string Raw(IReadOnlyList<PathPiece> pieces)
    {
        var sb = new StringBuilder();
        foreach (var p in pieces)
        {
            sb.Append(p.Quoted ? HoconRenderer.Quote(p.Text) : p.Text);
        }

        return sb.ToString();
    }
}
