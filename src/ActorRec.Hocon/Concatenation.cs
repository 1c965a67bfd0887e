using System.Text;

namespace ActorRec.Hocon;

/// <summary>
/// Value concatenation (<c>a = foo ${x} bar</c>, <c>[1] [2]</c>, <c>{a:1} {b:2}</c>) once every piece is
/// known. Strings, numbers, booleans and null join as text (numbers as originally written); arrays join
/// into one array; objects merge, later over earlier. Unquoted whitespace between arrays or objects is
/// ignored; anything else that mixes kinds is an error.
/// </summary>
internal static class Concatenation
{
    /// <summary>Folds resolved pieces; null when there is none (all were undefined optional substitutions).</summary>
    public static HoconValue? Fold(IReadOnlyList<HoconValue> pieces, HoconOrigin? origin)
    {
        if (pieces.Count == 0)
        {
            return null;
        }

        if (pieces.Count == 1)
        {
            return pieces[0] is HoconString { IsUnquotedWhitespace: true } ws ? new HoconString(ws.Value, ws.Origin) : pieces[0];
        }

        var structured = false;
        foreach (var piece in pieces)
        {
            structured |= piece is HoconObject or HoconArray;
        }

        if (!structured)
        {
            var sb = new StringBuilder();
            foreach (var piece in pieces)
            {
                sb.Append(piece.ConcatText);
            }

            return new HoconString(sb.ToString(), origin);
        }

        HoconValue? result = null;
        HoconValue? previous = null;
        foreach (var piece in pieces)
        {
            if (piece is HoconString { IsUnquotedWhitespace: true })
            {
                continue;
            }

            if (previous is not null && Kind(previous) != Kind(piece))
            {
                throw Mismatch(previous, piece, origin);
            }

            result = result switch
            {
                HoconObject under when piece is HoconObject over => ValueMerger.MergeObjects(under, over, inPlace: false),
                HoconArray first when piece is HoconArray second => new HoconArray([.. first, .. second], first.Origin),
                _ => piece,
            };
            previous = piece;
        }

        return result;
    }

    private static int Kind(HoconValue v) => v switch
    {
        HoconObject => 0,
        HoconArray => 1,
        _ => 2,
    };

    private static HoconException Mismatch(HoconValue left, HoconValue right, HoconOrigin? origin) =>
        new($"cannot concatenate {Describe(left)} with {Describe(right)}: a concatenation must be all objects, all arrays, or all strings/numbers/booleans/null",
            right.Origin ?? origin);

    internal static string Describe(HoconValue v) => v switch
    {
        HoconObject => "an object",
        HoconArray => "an array",
        HoconString s => $"the string \"{s.Value}\"",
        HoconNumber n => $"the number {n.Text}",
        HoconBoolean b => $"the boolean {b.ConcatText}",
        HoconNull => "null",
        _ => "an unresolved value",
    };
}
