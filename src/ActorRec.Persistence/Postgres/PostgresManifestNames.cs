using System.Text;

namespace ActorRec.Persistence.Postgres;

/// <summary>
/// Maps the UTF-8 bytes of a manifest read from the journal to one shared string, so that reading a row allocates no
/// manifest string (a journal holds a handful of event types, each in millions of rows).
/// </summary>
/// <remarks>The table is copy-on-write (readers scan an immutable array without a lock); it stops growing at
/// <see cref="MaxNames"/> names, after which an unknown name is decoded per row as before.</remarks>
internal sealed class PostgresManifestNames
{
    /// <summary>Most names kept.</summary>
    public const int MaxNames = 256;

    private readonly Lock _lock = new();
    private (byte[] Utf8, string Name)[] _names = [];

    /// <summary>The shared string for <paramref name="utf8"/>.</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        (byte[] Utf8, string Name)[] names = Volatile.Read(ref _names);
        for (int i = 0; i < names.Length; i++)
        {
            if (utf8.SequenceEqual(names[i].Utf8))
            {
                return names[i].Name;
            }
        }

        return Add(utf8);
    }

    private string Add(ReadOnlySpan<byte> utf8)
    {
        string name = Encoding.UTF8.GetString(utf8);
        lock (_lock)
        {
            (byte[] Utf8, string Name)[] names = _names;
            foreach ((byte[] known, string knownName) in names)
            {
                if (utf8.SequenceEqual(known))
                {
                    return knownName;
                }
            }

            if (names.Length < MaxNames)
            {
                Volatile.Write(ref _names, [.. names, (utf8.ToArray(), name)]);
            }
        }

        return name;
    }
}
