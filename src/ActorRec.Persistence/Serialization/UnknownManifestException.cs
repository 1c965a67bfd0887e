namespace ActorRec.Persistence.Serialization;

/// <summary>A stored payload names a manifest (or a manifest version) that no serializer or upcaster handles.</summary>
public sealed class UnknownManifestException : Exception
{
    public UnknownManifestException(string manifest, int version, string detail)
        : base($"Unknown event manifest '{manifest}' (version {version}): {detail}")
    {
        Manifest = manifest;
        Version = version;
    }

    public string Manifest { get; }

    public int Version { get; }
}
