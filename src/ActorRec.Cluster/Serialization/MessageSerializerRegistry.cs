using System.Collections.Frozen;
using Google.Protobuf;

namespace ActorRec.Cluster.Serialization;

/// <summary>Turns a message into payload bytes.</summary>
public delegate ByteString MessageSerializer<in T>(T message);

/// <summary>Rebuilds a message from payload bytes; throws on malformed input.</summary>
public delegate T MessageDeserializer<out T>(ReadOnlySpan<byte> payload);

/// <summary>
/// Immutable map between message types and their wire manifests, with one serializer pair per type.
/// Built once at start-up with <see cref="MessageSerializerRegistryBuilder"/>; lookups are frozen dictionaries,
/// safe to use from any thread without locks.
/// </summary>
public sealed class MessageSerializerRegistry
{
    private readonly FrozenDictionary<Type, Entry> _byType;
    private readonly FrozenDictionary<string, Entry> _byManifest;

    // The last manifest looked up, by string instance: inbound batches hand out one instance per manifest and
    // connection, so a stream of one message type skips the hash lookup. Replaced whole (immutable), so it is thread-safe.
    private Entry? _lastByManifest;

    internal MessageSerializerRegistry(Dictionary<Type, Entry> byType)
    {
        _byType = byType.ToFrozenDictionary();
        _byManifest = byType.Values.ToFrozenDictionary(e => e.Manifest, StringComparer.Ordinal);
    }

    /// <summary>Registered manifests (for diagnostics).</summary>
    public IEnumerable<string> Manifests => _byManifest.Keys;

    /// <summary>Manifest registered for <paramref name="type"/>, or null.</summary>
    public string? ManifestOf(Type type) => _byType.TryGetValue(type, out var e) ? e.Manifest : null;

    /// <summary>Serializes <paramref name="message"/>; false when its type is not registered.</summary>
    public bool TrySerialize(object message, out string manifest, out ByteString payload)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_byType.TryGetValue(message.GetType(), out var entry))
        {
            manifest = entry.Manifest;
            payload = entry.Serialize(message);
            return true;
        }

        manifest = "";
        payload = ByteString.Empty;
        return false;
    }

    /// <summary>
    /// Deserializes a payload. Returns <see cref="DeserializeStatus.UnknownManifest"/> for a manifest this node does not
    /// know and <see cref="DeserializeStatus.Malformed"/> (with the exception) when the serializer throws; never throws itself.
    /// </summary>
    public DeserializeStatus TryDeserialize(string manifest, ReadOnlySpan<byte> payload, out object? message, out Exception? error)
    {
        message = null;
        error = null;
        var entry = Volatile.Read(ref _lastByManifest);
        if (entry is null || !ReferenceEquals(entry.Manifest, manifest))
        {
            if (!_byManifest.TryGetValue(manifest, out entry))
            {
                return DeserializeStatus.UnknownManifest;
            }

            Volatile.Write(ref _lastByManifest, entry with { Manifest = manifest });
        }

        try
        {
            message = entry.Deserialize(payload);
            return DeserializeStatus.Ok;
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or FormatException or ArgumentException or InvalidOperationException)
        {
            error = ex;
            return DeserializeStatus.Malformed;
        }
    }

    internal sealed record Entry(Type Type, string Manifest, Func<object, ByteString> Serialize, DeserializeObject Deserialize);

    internal delegate object DeserializeObject(ReadOnlySpan<byte> payload);
}

/// <summary>Outcome of <see cref="MessageSerializerRegistry.TryDeserialize"/>.</summary>
public enum DeserializeStatus
{
    Ok,
    UnknownManifest,
    Malformed,
}

/// <summary>Collects registrations; each type and each manifest may be registered once.</summary>
public sealed class MessageSerializerRegistryBuilder
{
    private readonly Dictionary<Type, MessageSerializerRegistry.Entry> _byType = [];
    private readonly HashSet<string> _manifests = new(StringComparer.Ordinal);

    /// <summary>Registers <typeparamref name="T"/> under <paramref name="manifest"/> with explicit delegates.</summary>
    public MessageSerializerRegistryBuilder Register<T>(string manifest, MessageSerializer<T> serialize, MessageDeserializer<T> deserialize)
        where T : notnull
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(manifest);
        ArgumentNullException.ThrowIfNull(serialize);
        ArgumentNullException.ThrowIfNull(deserialize);
        if (_byType.ContainsKey(typeof(T)))
        {
            throw new ArgumentException($"Type {typeof(T).FullName} is already registered.", nameof(serialize));
        }

        if (!_manifests.Add(manifest))
        {
            throw new ArgumentException($"Manifest '{manifest}' is already registered.", nameof(manifest));
        }

        _byType[typeof(T)] = new MessageSerializerRegistry.Entry(
            typeof(T), manifest, m => serialize((T)m), p => deserialize(p));
        return this;
    }

    /// <summary>Registers a protobuf-generated message type.</summary>
    public MessageSerializerRegistryBuilder RegisterProtobuf<T>(string manifest)
        where T : IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Register<T>(manifest, m => m.ToByteString(), p => parser.ParseFrom(p));
    }

    public MessageSerializerRegistry Build() => new(new Dictionary<Type, MessageSerializerRegistry.Entry>(_byType));
}
