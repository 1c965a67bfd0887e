namespace ActorRec.Persistence.Serialization;

/// <summary>An event or snapshot in its stored form: the manifest names the schema, the version its revision.</summary>
/// <param name="Manifest">Stable schema name (never a CLR type name, so types can be renamed freely).</param>
/// <param name="Version">Schema revision the bytes were written with (1-based).</param>
/// <param name="Bytes">The compact binary body.</param>
public readonly record struct SerializedPayload(string Manifest, int Version, byte[] Bytes);
