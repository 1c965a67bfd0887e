using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace ActorRec.Hocon;

/// <summary>
/// An object: string keys to values, in the order keys were first defined. The parser fills objects while it
/// builds them; once a parse returns they are never changed (merges build new objects).
/// </summary>
public sealed class HoconObject : HoconValue, IReadOnlyDictionary<string, HoconValue>
{
    private readonly Dictionary<string, HoconValue> _fields;
    private readonly List<string> _order;
    private bool? _resolved;

    public HoconObject(HoconOrigin? origin = null)
        : base(origin)
    {
        _fields = new Dictionary<string, HoconValue>(StringComparer.Ordinal);
        _order = [];
    }

    public HoconObject(IEnumerable<KeyValuePair<string, HoconValue>> fields, HoconOrigin? origin = null)
        : this(origin)
    {
        ArgumentNullException.ThrowIfNull(fields);
        foreach (var (key, value) in fields)
        {
            ArgumentNullException.ThrowIfNull(key);
            ArgumentNullException.ThrowIfNull(value);
            Set(key, value);
        }
    }

    public static HoconObject Empty { get; } = new();

    public override HoconValueType Type => HoconValueType.Object;

    public override bool IsResolved
    {
        get
        {
            if (_resolved is { } known)
            {
                return known;
            }

            var all = true;
            foreach (var key in _order)
            {
                if (!_fields[key].IsResolved)
                {
                    all = false;
                    break;
                }
            }

            _resolved = all;
            return all;
        }
    }

    public int Count => _order.Count;

    public IEnumerable<string> Keys => _order;

    public IEnumerable<HoconValue> Values
    {
        get
        {
            foreach (var key in _order)
            {
                yield return _fields[key];
            }
        }
    }

    public HoconValue this[string key] => _fields[key];

    public bool ContainsKey(string key) => _fields.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out HoconValue value) => _fields.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, HoconValue>> GetEnumerator()
    {
        foreach (var key in _order)
        {
            yield return new KeyValuePair<string, HoconValue>(key, _fields[key]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Sets a field while the object is being built (parser, merge, resolver).</summary>
    internal void Set(string key, HoconValue value)
    {
        if (!_fields.ContainsKey(key))
        {
            _order.Add(key);
        }

        _fields[key] = value;
        _resolved = null;
    }
}

/// <summary>An ordered list of values.</summary>
public sealed class HoconArray : HoconValue, IReadOnlyList<HoconValue>
{
    private readonly HoconValue[] _items;

    public HoconArray(IEnumerable<HoconValue> items, HoconOrigin? origin = null)
        : base(origin)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = [.. items];
        foreach (var item in _items)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(items));
        }
    }

    public override HoconValueType Type => HoconValueType.Array;

    public override bool IsResolved
    {
        get
        {
            foreach (var item in _items)
            {
                if (!item.IsResolved)
                {
                    return false;
                }
            }

            return true;
        }
    }

    public int Count => _items.Length;

    public HoconValue this[int index] => _items[index];

    public IEnumerator<HoconValue> GetEnumerator() => ((IEnumerable<HoconValue>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();
}
