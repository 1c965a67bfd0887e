using System.Collections.Concurrent;

namespace ActorRec.Persistence.Serialization;

/// <summary>
/// Maps event (and snapshot) types to a stable manifest, a schema version and a compact binary writer/reader,
/// and holds the upcaster chain that lifts old stored versions to the current one.
/// </summary>
/// <remarks>
/// <para><b>Evolving an event.</b> Events are never rewritten in the journal. To change an event's shape:</para>
/// <list type="number">
/// <item>Bump the version passed to <see cref="Register{T}"/> and change the writer/reader to the new layout.</item>
/// <item>Register an upcaster <c>(manifest, oldVersion) → payload at a newer version</c> that reads the old bytes
/// and writes the new layout (filling defaults for new fields). Upcasters chain: v1 → v2 → v3.</item>
/// <item>A renamed or split event is an upcaster that returns a different manifest.</item>
/// </list>
/// <para>Reading a stored payload applies upcasters until (manifest, version) is a registered current schema; an
/// unknown manifest, or a version with no path to the current one, raises <see cref="UnknownManifestException"/>.</para>
/// <para>Registration happens at start-up; lookups are lock-free reads of concurrent dictionaries.</para>
/// </remarks>
public sealed class EventSerializerRegistry
{
    private readonly ConcurrentDictionary<Type, Entry> _byType = new();
    private readonly ConcurrentDictionary<string, Entry> _byManifest = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Manifest, int Version), Func<byte[], SerializedPayload>> _upcasters = new();

    /// <summary>Registers <typeparamref name="T"/> as the current schema of <paramref name="manifest"/> at <paramref name="version"/>.</summary>
    public EventSerializerRegistry Register<T>(string manifest, int version, Action<BinaryWriter, T> write, Func<BinaryReader, T> read)
        where T : notnull
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(manifest);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(read);
        var entry = new Entry(manifest, version, (w, o) => write(w, (T)o), r => read(r));
        if (!_byManifest.TryAdd(manifest, entry))
        {
            throw new ArgumentException($"Manifest '{manifest}' is already registered.", nameof(manifest));
        }

        if (!_byType.TryAdd(typeof(T), entry))
        {
            _byManifest.TryRemove(manifest, out _);
            throw new ArgumentException($"Type {typeof(T).FullName} is already registered.", nameof(T));
        }

        return this;
    }

    /// <summary>
    /// Registers how to lift a payload stored as (<paramref name="manifest"/>, <paramref name="fromVersion"/>) to a
    /// newer schema. The function gets the old bytes and returns the payload at a higher version (or another manifest).
    /// </summary>
    public EventSerializerRegistry RegisterUpcaster(string manifest, int fromVersion, Func<byte[], SerializedPayload> upcast)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(manifest);
        ArgumentOutOfRangeException.ThrowIfLessThan(fromVersion, 1);
        ArgumentNullException.ThrowIfNull(upcast);
        if (!_upcasters.TryAdd((manifest, fromVersion), upcast))
        {
            throw new ArgumentException($"An upcaster for '{manifest}' v{fromVersion} is already registered.", nameof(fromVersion));
        }

        return this;
    }

    public bool IsRegistered(Type type) => _byType.ContainsKey(type);

    /// <summary>Serializes <paramref name="value"/> with its registered current schema.</summary>
    public SerializedPayload Serialize(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!_byType.TryGetValue(value.GetType(), out Entry? entry))
        {
            throw new ArgumentException($"No serializer registered for type {value.GetType().FullName}.", nameof(value));
        }

        using var stream = new MemoryStream(64);
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            entry.Write(writer, value);
        }

        return new SerializedPayload(entry.Manifest, entry.Version, stream.ToArray());
    }

    /// <summary>Reads a stored payload, upcasting it first when it was written with an older schema.</summary>
    public object Deserialize(string manifest, int version, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(bytes);
        var current = new SerializedPayload(manifest, version, bytes);
        for (int hops = 0; hops < 64; hops++)
        {
            if (_byManifest.TryGetValue(current.Manifest, out Entry? entry) && entry.Version == current.Version)
            {
                using var stream = new MemoryStream(current.Bytes, writable: false);
                using var reader = new BinaryReader(stream);
                return entry.Read(reader);
            }

            if (!_upcasters.TryGetValue((current.Manifest, current.Version), out Func<byte[], SerializedPayload>? upcast))
            {
                string detail = entry is null
                    ? "no serializer or upcaster is registered for it"
                    : $"the current schema is version {entry.Version} and no upcaster leads from version {current.Version}";
                throw new UnknownManifestException(current.Manifest, current.Version, detail);
            }

            SerializedPayload next = upcast(current.Bytes);
            if (next.Manifest == current.Manifest && next.Version <= current.Version)
            {
                throw new InvalidOperationException(
                    $"Upcaster for '{current.Manifest}' v{current.Version} did not move to a newer version (returned v{next.Version}).");
            }

            current = next;
        }

        throw new InvalidOperationException($"Upcaster chain from '{manifest}' v{version} is longer than 64 steps (a cycle?).");
    }

    private sealed record Entry(string Manifest, int Version, Action<BinaryWriter, object> Write, Func<BinaryReader, object> Read);
}
