using System.Text.Json;

namespace ActorRec.Hocon;

/// <summary>
/// Strict JSON sources (.json files). System.Text.Json checks the text is strict JSON (no comments, no
/// trailing commas, quoted keys) and reports where it is not; the accepted text is then read by the HOCON
/// parser, which gives the same tree (JSON is a subset of HOCON) with a position on every value.
/// </summary>
internal static class JsonLoader
{
    public static HoconObject Parse(string text, string file)
    {
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new HoconException($"expected an object at the root of a JSON config file, found {doc.RootElement.ValueKind}", new HoconOrigin(file, 1, 1));
            }
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0) + 1;
            var col = (int)(e.BytePositionInLine ?? 0) + 1;
            throw new HoconException($"invalid JSON: {FirstSentence(e.Message)}", new HoconOrigin(file, line, col), inner: e);
        }

        return HoconParser.Parse(text, file, [], new IncludeContext(Environment.CurrentDirectory));
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
