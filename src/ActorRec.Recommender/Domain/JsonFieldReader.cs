using System.Globalization;
using System.Text.Json;

namespace ActorRec.Recommender.Domain;

/// <summary>
/// Typed, error-collecting access to the properties of one JSON object. Every getter records a
/// <see cref="ValidationError"/> naming <c>path.property</c> instead of throwing, so one pass over a body reports
/// every mistake in it. Property names are matched exactly (camelCase, as in the contract).
/// </summary>
internal readonly struct JsonFieldReader
{
    private readonly JsonElement _obj;
    private readonly string _path;
    private readonly List<ValidationError> _errors;

    public JsonFieldReader(JsonElement obj, string path, List<ValidationError> errors)
    {
        _obj = obj;
        _path = path;
        _errors = errors;
    }

    public string FieldPath(string name) => _path.Length == 0 ? name : $"{_path}.{name}";

    public void Error(string name, string message) => _errors.Add(new ValidationError(FieldPath(name), message));

    public bool TryGet(string name, out JsonElement value)
    {
        if (_obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }

    public string? String(string name, bool required, int maxLength, bool allowEmpty = false)
    {
        if (!TryGet(name, out var v))
        {
            if (required)
            {
                Error(name, "is required");
            }

            return null;
        }

        if (v.ValueKind != JsonValueKind.String)
        {
            Error(name, $"must be a string (got {Kind(v)})");
            return null;
        }

        var s = v.GetString()!;
        if (!allowEmpty && s.Length == 0)
        {
            Error(name, "must not be empty");
            return null;
        }

        if (s.Length > maxLength)
        {
            Error(name, $"must be at most {maxLength} characters (got {s.Length})");
            return null;
        }

        return s;
    }

    public long? Int64(string name, bool required, long min, long max)
    {
        if (!TryGet(name, out var v))
        {
            if (required)
            {
                Error(name, "is required");
            }

            return null;
        }

        if (v.ValueKind != JsonValueKind.Number)
        {
            Error(name, $"must be an integer (got {Kind(v)})");
            return null;
        }

        if (!v.TryGetInt64(out var n))
        {
            Error(name, $"must be an integer (got {v.GetRawText()})");
            return null;
        }

        if (n < min || n > max)
        {
            Error(name, min == 0 && n < 0
                ? $"must not be negative (got {n})"
                : $"must be in [{min}, {max}] (got {n})");
            return null;
        }

        return n;
    }

    public DateTimeOffset? Timestamp(string name, bool required)
    {
        var s = String(name, required, 64);
        if (s is null)
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
        {
            Error(name, $"must be an ISO-8601 timestamp such as 2026-11-21T10:00:00Z (got \"{s}\")");
            return null;
        }

        return t;
    }

    /// <summary>A vector of exactly <paramref name="dim"/> finite numbers.</summary>
    public float[]? Vector(string name, int dim)
    {
        if (!TryGet(name, out var v))
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            Error(name, $"must be an array of {dim} numbers (got {Kind(v)})");
            return null;
        }

        var n = v.GetArrayLength();
        if (n != dim)
        {
            Error(name, $"must have exactly {dim} elements (got {n})");
            return null;
        }

        var result = new float[dim];
        var ok = true;
        var i = 0;
        foreach (var e in v.EnumerateArray())
        {
            var at = $"{FieldPath(name)}[{i}]";
            if (e.ValueKind == JsonValueKind.String)
            {
                _errors.Add(new ValidationError(at, $"must be a finite number (got \"{e.GetString()}\")"));
                ok = false;
            }
            else if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var d))
            {
                _errors.Add(new ValidationError(at, $"must be a finite number (got {Kind(e)})"));
                ok = false;
            }
            else if (!double.IsFinite(d) || !float.IsFinite((float)d))
            {
                _errors.Add(new ValidationError(at, $"must be a finite number (got {e.GetRawText()}, out of range)"));
                ok = false;
            }
            else
            {
                result[i] = (float)d;
            }

            i++;
        }

        return ok ? result : null;
    }

    public static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
