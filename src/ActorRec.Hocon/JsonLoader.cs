using System.Text.Json;

namespace ActorRec.Hocon;

/// <summary>Strict JSON sources (.json files): System.Text.Json reads them, numbers keep their text.</summary>
internal static class JsonLoader
{
    public static HoconObject Parse(string text, string file)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0) + 1;
            var col = (int)(e.BytePositionInLine ?? 0) + 1;
            throw new HoconException($"invalid JSON: {FirstSentence(e.Message)}", new HoconOrigin(file, line, col), inner: e);
        }

        using (doc)
        {
            var origin = new HoconOrigin(file, 1, 1);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new HoconException($"expected an object at the root of a JSON config file, found {doc.RootElement.ValueKind}", origin);
            }

            return (HoconObject)Convert(doc.RootElement, origin);
        }
    }

    private static HoconValue Convert(JsonElement e, HoconOrigin origin)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new HoconObject(origin);
                foreach (var p in e.EnumerateObject())
                {
                    var value = Convert(p.Value, origin);
                    obj.Set(p.Name, ValueMerger.Merge(obj.TryGetValue(p.Name, out var old) ? old : null, value, inPlace: true));
                }

                return obj;
            case JsonValueKind.Array:
                var items = new List<HoconValue>();
                foreach (var item in e.EnumerateArray())
                {
                    items.Add(Convert(item, origin));
                }

                return new HoconArray(items, origin);
            case JsonValueKind.String:
                return new HoconString(e.GetString()!, origin);
            case JsonValueKind.Number:
                var raw = e.GetRawText();
                return HoconNumber.TryParse(raw, origin)
                    ?? throw new HoconException($"number {raw} is out of range", origin);
            case JsonValueKind.True:
                return new HoconBoolean(true, origin);
            case JsonValueKind.False:
                return new HoconBoolean(false, origin);
            default:
                return new HoconNull(origin);
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
