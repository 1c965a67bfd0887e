using System.Globalization;
using System.Text;

namespace ActorRec.Hocon;

/// <summary>
/// Turns HOCON text into tokens. Whitespace runs are kept as tokens (value concatenation needs them), comments
/// are dropped (the newline that ends them is kept), and '\n' is the only newline ('\r' is whitespace).
/// Unquoted text stops at whitespace, at "//" and at any of <c>$"{}[]:=,+#`^?!@*&amp;\</c>. A token that starts
/// with '-' or a digit is read as a number when it has number syntax, as unquoted text otherwise.
/// </summary>
internal sealed class Tokenizer
{
    private const string NotInUnquoted = "$\"{}[]:=,+#`^?!@*&\\";
    private const string NumberChars = "0123456789eE+-.";

    private readonly string _text;
    private readonly string _file;
    private readonly List<Token> _tokens = [];
    private int _pos;
    private int _line = 1;
    private int _col = 1;

    private Tokenizer(string text, string file)
    {
        _text = text;
        _file = file;
    }

    public static List<Token> Tokenize(string text, string file)
    {
        var t = new Tokenizer(text, file);
        t.Run();
        return t._tokens;
    }

    /// <summary>The whitespace set of the reference implementation: Unicode space separators, line and paragraph separators, C0 layout controls and the BOM.</summary>
    public static bool IsWhitespace(char c)
    {
        switch (c)
        {
            case ' ' or '\t' or '\n' or '\u000B' or '\f' or '\r' or '\u001C' or '\u001D' or '\u001E' or '\u001F':
            case '\u00A0' or '\u2007' or '\u202F' or '\uFEFF':
                return true;
            default:
                if (c < 128)
                {
                    return false;
                }

                var cat = CharUnicodeInfo.GetUnicodeCategory(c);
                return cat is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
        }
    }

    private HoconOrigin Here => new(_file, _line, _col);

    private char Peek(int ahead = 0) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private bool AtEnd(int ahead = 0) => _pos + ahead >= _text.Length;

    private char Next()
    {
        var c = _text[_pos++];
        if (c == '\n')
        {
            _line++;
            _col = 1;
        }
        else
        {
            _col++;
        }

        return c;
    }

    private HoconException Error(string reason, HoconOrigin? at = null) => new(reason, at ?? Here);

    private void Add(TokenKind kind, string text, HoconOrigin origin) => _tokens.Add(new Token(kind, text, origin));

    private void Run()
    {
        while (!AtEnd())
        {
            var origin = Here;
            var c = Peek();
            switch (c)
            {
                case '\n':
                    Next();
                    Add(TokenKind.Newline, "\\n", origin);
                    break;
                case '#':
                    SkipComment();
                    break;
                case '/' when Peek(1) == '/':
                    SkipComment();
                    break;
                case '"':
                    ReadQuoted(origin);
                    break;
                case '{':
                    Next();
                    Add(TokenKind.OpenBrace, "{", origin);
                    break;
                case '}':
                    Next();
                    Add(TokenKind.CloseBrace, "}", origin);
                    break;
                case '[':
                    Next();
                    Add(TokenKind.OpenBracket, "[", origin);
                    break;
                case ']':
                    Next();
                    Add(TokenKind.CloseBracket, "]", origin);
                    break;
                case ',':
                    Next();
                    Add(TokenKind.Comma, ",", origin);
                    break;
                case ':':
                    Next();
                    Add(TokenKind.Colon, ":", origin);
                    break;
                case '=':
                    Next();
                    Add(TokenKind.Equals, "=", origin);
                    break;
                case '+':
                    if (Peek(1) != '=')
                    {
                        throw Error("reserved character '+' is not allowed outside quotes (did you mean '+='?)");
                    }

                    Next();
                    Next();
                    Add(TokenKind.PlusEquals, "+=", origin);
                    break;
                case '$':
                    ReadSubstitution(origin);
                    break;
                default:
                    if (IsWhitespace(c))
                    {
                        ReadWhitespace(origin);
                    }
                    else if (c == '-' || char.IsAsciiDigit(c))
                    {
                        ReadNumber(origin);
                    }
                    else if (NotInUnquoted.Contains(c, StringComparison.Ordinal))
                    {
                        throw Error($"reserved character '{c}' is not allowed outside quotes");
                    }
                    else
                    {
                        ReadUnquoted(origin);
                    }

                    break;
            }
        }

        Add(TokenKind.EndOfFile, "", Here);
    }

    private void SkipComment()
    {
        while (!AtEnd() && Peek() != '\n')
        {
            Next();
        }
    }

    private void ReadWhitespace(HoconOrigin origin)
    {
        var start = _pos;
        while (!AtEnd() && Peek() != '\n' && IsWhitespace(Peek()))
        {
            Next();
        }

        Add(TokenKind.Whitespace, _text[start.._pos], origin);
    }

    private bool IsUnquotedChar(char c) =>
        !IsWhitespace(c) && !NotInUnquoted.Contains(c, StringComparison.Ordinal) && !(c == '/' && Peek(1) == '/');

    private void ReadUnquoted(HoconOrigin origin)
    {
        var sb = new StringBuilder();
        while (!AtEnd() && IsUnquotedChar(Peek()))
        {
            sb.Append(Next());

            // true, false and null are keywords at the start of an unquoted run, whatever follows them.
            if (sb.Length == 4 && sb.Equals("true"))
            {
                Add(TokenKind.True, "true", origin);
                return;
            }

            if (sb.Length == 4 && sb.Equals("null"))
            {
                Add(TokenKind.Null, "null", origin);
                return;
            }

            if (sb.Length == 5 && sb.Equals("false"))
            {
                Add(TokenKind.False, "false", origin);
                return;
            }
        }

        Add(TokenKind.Unquoted, sb.ToString(), origin);
    }

    private void ReadNumber(HoconOrigin origin)
    {
        var start = _pos;
        Next();
        while (!AtEnd() && NumberChars.Contains(Peek(), StringComparison.Ordinal))
        {
            Next();
        }

        var text = _text[start.._pos];
        var number = HoconNumber.TryParse(text, origin);
        if (number is not null)
        {
            _tokens.Add(new Token(TokenKind.Number, text, origin) { Number = number });
            return;
        }

        if (text.Contains('+', StringComparison.Ordinal))
        {
            throw Error($"reserved character '+' is not allowed outside quotes (in '{text}', which is not a number)", origin);
        }

        Add(TokenKind.Unquoted, text, origin);
    }

    private void ReadQuoted(HoconOrigin origin)
    {
        Next();
        if (Peek() == '"' && Peek(1) == '"')
        {
            Next();
            Next();
            ReadTripleQuoted(origin);
            return;
        }

        Add(TokenKind.Quoted, ReadQuotedBody(origin), origin);
    }

    /// <summary>Reads a JSON-style string body after its opening quote, through the closing quote.</summary>
    private string ReadQuotedBody(HoconOrigin origin)
    {
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd())
            {
                throw Error("unterminated quoted string: expected a closing '\"' before end of file", origin);
            }

            var c = Peek();
            if (c == '"')
            {
                Next();
                return sb.ToString();
            }

            if (c == '\n')
            {
                throw Error("newline inside a quoted string: expected a closing '\"' on the same line (use \\n or a \"\"\"triple-quoted\"\"\" string)");
            }

            if (c < 0x20)
            {
                throw Error($"control character U+{(int)c:X4} inside a quoted string: use a backslash escape");
            }

            if (c == '\\')
            {
                ReadEscape(sb);
                continue;
            }

            sb.Append(Next());
        }
    }

    private void ReadEscape(StringBuilder sb)
    {
        var at = Here;
        Next();
        if (AtEnd())
        {
            throw Error("unterminated escape sequence at end of file", at);
        }

        var e = Next();
        switch (e)
        {
            case '"': sb.Append('"'); break;
            case '\\': sb.Append('\\'); break;
            case '/': sb.Append('/'); break;
            case 'b': sb.Append('\b'); break;
            case 'f': sb.Append('\f'); break;
            case 'n': sb.Append('\n'); break;
            case 'r': sb.Append('\r'); break;
            case 't': sb.Append('\t'); break;
            case 'u':
                var code = 0;
                for (var i = 0; i < 4; i++)
                {
                    var h = AtEnd() ? '\0' : Peek();
                    if (!char.IsAsciiHexDigit(h))
                    {
                        throw Error("invalid \\u escape: expected 4 hexadecimal digits", at);
                    }

                    code = (code * 16) + Convert.ToInt32(Next().ToString(), 16);
                }

                sb.Append((char)code);
                break;
            default:
                throw Error($"invalid escape sequence '\\{e}': expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", at);
        }
    }

    private void ReadTripleQuoted(HoconOrigin origin)
    {
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd())
            {
                throw Error("unterminated triple-quoted string: expected closing \"\"\" before end of file", origin);
            }

            if (Peek() == '"')
            {
                var run = 0;
                while (!AtEnd() && Peek() == '"')
                {
                    Next();
                    run++;
                }

                if (run >= 3)
                {
                    // Quotes beyond the closing three belong to the content.
                    sb.Append('"', run - 3);
                    Add(TokenKind.Quoted, sb.ToString(), origin);
                    return;
                }

                sb.Append('"', run);
                continue;
            }

            sb.Append(Next());
        }
    }

    private void ReadSubstitution(HoconOrigin origin)
    {
        Next();
        if (Peek() != '{')
        {
            throw Error("'$' must be followed directly by '{' to start a substitution (quote it to use '$' in a string)", origin);
        }

        Next();
        var optional = false;
        if (Peek() == '?')
        {
            Next();
            optional = true;
        }

        var pieces = new List<PathPiece>();
        var raw = new StringBuilder();
        while (true)
        {
            if (AtEnd() || Peek() == '\n')
            {
                throw Error("unterminated substitution: expected '}' to close '${'", origin);
            }

            var c = Peek();
            if (c == '}')
            {
                Next();
                break;
            }

            if (c == '"')
            {
                var qAt = Here;
                Next();
                if (Peek() == '"' && Peek(1) == '"')
                {
                    throw Error("triple-quoted strings are not allowed inside a substitution", qAt);
                }

                var body = ReadQuotedBody(qAt);
                pieces.Add(new PathPiece(body, true));
                raw.Append('"').Append(body).Append('"');
            }
            else if (IsWhitespace(c))
            {
                var start = _pos;
                while (!AtEnd() && Peek() != '\n' && IsWhitespace(Peek()))
                {
                    Next();
                }

                pieces.Add(new PathPiece(_text[start.._pos], false));
                raw.Append(_text, start, _pos - start);
            }
            else if (c == '/' && Peek(1) == '/' || NotInUnquoted.Contains(c, StringComparison.Ordinal))
            {
                throw Error($"'{c}' is not allowed in a substitution path: expected a path like ${{a.b}} or ${{?a.b}}, closed by '}}'");
            }
            else
            {
                var start = _pos;
                while (!AtEnd() && IsUnquotedChar(Peek()))
                {
                    Next();
                }

                pieces.Add(new PathPiece(_text[start.._pos], false));
                raw.Append(_text, start, _pos - start);
            }
        }

        // Whitespace around the path is not part of it.
        while (pieces.Count > 0 && !pieces[0].Quoted && pieces[0].Text.Trim(WhitespaceChars).Length == 0)
        {
            pieces.RemoveAt(0);
        }

        while (pieces.Count > 0 && !pieces[^1].Quoted && pieces[^1].Text.Trim(WhitespaceChars).Length == 0)
        {
            pieces.RemoveAt(pieces.Count - 1);
        }

        if (pieces.Count == 0)
        {
            throw Error("empty substitution: expected a path between '${' and '}'", origin);
        }

        var text = (optional ? "${?" : "${") + raw.ToString().Trim(WhitespaceChars) + "}";
        _tokens.Add(new Token(TokenKind.Substitution, text, origin) { Optional = optional, PathPieces = pieces });
    }

    private static readonly char[] WhitespaceChars = BuildWhitespaceChars();

    private static char[] BuildWhitespaceChars()
    {
        var list = new List<char>();
        for (var c = 0; c <= 0xFFFF; c++)
        {
            if (IsWhitespace((char)c))
            {
                list.Add((char)c);
            }
        }

        return [.. list];
    }
}
