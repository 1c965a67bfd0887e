using System.Text;
using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Serialization;
using Google.Protobuf;

namespace ActorRec.Cluster.Sharding;

/// <summary>
/// Wire format of the sharding protocol: each message is a little binary record (BinaryWriter layout: length-prefixed
/// UTF-8 strings, little-endian integers). An entity message inside an envelope or a handover travels as its own
/// registered manifest and payload, so the registry of the node decides how it is encoded; the handover's senders
/// travel as full actor paths. Manifests start with <c>actorrec.sharding.</c>; field order is the protocol.
/// </summary>
internal sealed class ShardingSerializers(Func<RemoteActorRefProvider?> provider)
{
    private static readonly UTF8Encoding Utf8 = new(false, true);

    public void Register(MessageSerializerRegistryBuilder builder)
    {
        builder
            .Register<RegionEnvelope>("actorrec.sharding.envelope", e => Write(w =>
            {
                w.Write(e.EntityId);
                WriteInner(w, e.Message);
            }), p => Read(p, r => new RegionEnvelope(r.ReadString(), ReadInner(r))))
            .Register<ShardHomeMessage>("actorrec.sharding.home", h => Write(w =>
            {
                w.Write(h.TypeName);
                w.Write(h.Shard);
                w.Write(h.Owner);
                w.Write(h.Epoch);
                w.Write(h.HandingOff);
                WriteNullable(w, h.HandoverFrom);
            }), p => Read(p, r => new ShardHomeMessage(r.ReadString(), r.ReadInt32(), r.ReadString(), r.ReadInt64(), r.ReadBoolean(), ReadNullable(r))))
            .Register<BeginHandoffMessage>("actorrec.sharding.begin-handoff", b => Write(w =>
            {
                w.Write(b.TypeName);
                w.Write(b.Shard);
                w.Write(b.Owner);
                w.Write(b.Epoch);
                WriteStrings(w, b.Regions);
            }), p => Read(p, r => new BeginHandoffMessage(r.ReadString(), r.ReadInt32(), r.ReadString(), r.ReadInt64(), ReadStrings(r))))
            .Register<ShardBarrierMessage>("actorrec.sharding.barrier", b => Write(w =>
            {
                w.Write(b.Shard);
                w.Write(b.Epoch);
                w.Write(b.FromNode);
            }), p => Read(p, r => new ShardBarrierMessage(r.ReadInt32(), r.ReadInt64(), r.ReadString())))
            .Register<ShardHandoverMessage>("actorrec.sharding.handover", h => Write(w =>
            {
                w.Write(h.Shard);
                w.Write(h.Epoch);
                w.Write(h.Messages.Count);
                foreach (var m in h.Messages)
                {
                    w.Write(m.EntityId);
                    w.Write(m.Sender is null ? "" : Provider().PathStringOf(m.Sender));
                    WriteInner(w, m.Message);
                }
            }), p => Read(p, ReadHandover))
            .Register<GetShardHomeMessage>("actorrec.sharding.get-home", g => Write(w =>
            {
                w.Write(g.TypeName);
                w.Write(g.Shard);
                w.Write(g.FromNode);
            }), p => Read(p, r => new GetShardHomeMessage(r.ReadString(), r.ReadInt32(), r.ReadString())))
            .Register<ShardReleasedMessage>("actorrec.sharding.released", m => Write(w =>
            {
                w.Write(m.TypeName);
                w.Write(m.Shard);
                w.Write(m.Epoch);
                w.Write(m.FromNode);
            }), p => Read(p, r => new ShardReleasedMessage(r.ReadString(), r.ReadInt32(), r.ReadInt64(), r.ReadString())))
            .Register<CoordinatorCommand>("actorrec.sharding.command", c => Write(w =>
            {
                w.Write(c.Op);
                w.Write(c.TypeName);
                w.Write(c.Shard);
                w.Write(c.Node);
            }), p => Read(p, r => new CoordinatorCommand(r.ReadString(), r.ReadString(), r.ReadInt32(), r.ReadString())))
            .Register<CoordinatorReply>("actorrec.sharding.reply", c => Write(w => WriteReply(w, c)), p => Read(p, ReadReply))
            .Register<GetShardCounts>("actorrec.sharding.get-counts", static _ => ByteString.Empty, static _ => GetShardCounts.Instance)
            .Register<ShardCounts>("actorrec.sharding.counts", c => Write(w =>
            {
                w.Write(c.Node);
                w.Write(c.Shards.Count);
                for (var i = 0; i < c.Shards.Count; i++)
                {
                    w.Write(c.Shards[i]);
                    w.Write(c.Counts[i]);
                }
            }), p => Read(p, ReadCounts));
    }

    private RemoteActorRefProvider Provider() =>
        provider() ?? throw new InvalidOperationException("ClusterSharding is not attached to a host with a remote provider (call Attach).");

    private void WriteInner(BinaryWriter w, object message)
    {
        if (!Provider().Registry.TrySerialize(message, out var manifest, out var payload))
        {
            throw new UnregisteredMessageTypeException(
                $"Cannot send a {message.GetType().FullName} to a sharded entity on another node: register the type in the message registry of every node.");
        }

        w.Write(manifest);
        w.Write(payload.Length);
        w.Write(payload.Span);
    }

    private object ReadInner(BinaryReader r)
    {
        var manifest = r.ReadString();
        var length = r.ReadInt32();
        if (length < 0 || length > r.BaseStream.Length - r.BaseStream.Position)
        {
            throw new FormatException($"An entity message of manifest '{manifest}' claims {length} bytes.");
        }

        var payload = r.ReadBytes(length);
        return Provider().Registry.TryDeserialize(manifest, payload, out var message, out var error) switch
        {
            DeserializeStatus.Ok => message!,
            DeserializeStatus.UnknownManifest => throw new FormatException($"An entity message has the unknown manifest '{manifest}'."),
            _ => throw new FormatException($"An entity message of manifest '{manifest}' is malformed: {error?.Message}"),
        };
    }

    private ShardHandoverMessage ReadHandover(BinaryReader r)
    {
        var shard = r.ReadInt32();
        var epoch = r.ReadInt64();
        var count = CheckCount(r.ReadInt32());
        var messages = new RoutedMessage[count];
        for (var i = 0; i < count; i++)
        {
            var id = r.ReadString();
            var sender = r.ReadString();
            var message = ReadInner(r);
            messages[i] = new RoutedMessage(id, message, sender.Length == 0 ? null : Provider().ResolveRef(sender));
        }

        return new ShardHandoverMessage(shard, epoch, messages);
    }

    private static void WriteReply(BinaryWriter w, CoordinatorReply c)
    {
        w.Write(c.Shards.Count);
        foreach (var s in c.Shards)
        {
            w.Write(s.Shard);
            w.Write(s.Owner);
            w.Write(s.Epoch);
            w.Write((int)s.Status);
            WriteNullable(w, s.HandoffTo);
            w.Write(s.Version);
        }

        w.Write(c.Moves.Count);
        foreach (var m in c.Moves)
        {
            w.Write(m.TypeName);
            w.Write(m.Shard);
            w.Write(m.From);
            w.Write(m.To);
        }
    }

    private static CoordinatorReply ReadReply(BinaryReader r)
    {
        var shards = new ShardRecord[CheckCount(r.ReadInt32())];
        for (var i = 0; i < shards.Length; i++)
        {
            shards[i] = new ShardRecord(r.ReadInt32(), r.ReadString(), r.ReadInt64(), (ShardStatus)r.ReadInt32(), ReadNullable(r), r.ReadInt64());
        }

        var moves = new ShardMove[CheckCount(r.ReadInt32())];
        for (var i = 0; i < moves.Length; i++)
        {
            moves[i] = new ShardMove(r.ReadString(), r.ReadInt32(), r.ReadString(), r.ReadString());
        }

        return new CoordinatorReply(shards, moves);
    }

    private static ShardCounts ReadCounts(BinaryReader r)
    {
        var node = r.ReadString();
        var count = CheckCount(r.ReadInt32());
        var shards = new int[count];
        var counts = new int[count];
        for (var i = 0; i < count; i++)
        {
            shards[i] = r.ReadInt32();
            counts[i] = r.ReadInt32();
        }

        return new ShardCounts(node, shards, counts);
    }

    private static int CheckCount(int count) =>
        count is >= 0 and <= 10_000_000 ? count : throw new FormatException($"A sharding message claims {count} items.");

    private static void WriteNullable(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null)
        {
            w.Write(value);
        }
    }

    private static string? ReadNullable(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static void WriteStrings(BinaryWriter w, IReadOnlyList<string> values)
    {
        w.Write(values.Count);
        foreach (var v in values)
        {
            w.Write(v);
        }
    }

    private static string[] ReadStrings(BinaryReader r)
    {
        var values = new string[CheckCount(r.ReadInt32())];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = r.ReadString();
        }

        return values;
    }

    private static ByteString Write(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Utf8, leaveOpen: true))
        {
            write(writer);
        }

        return ByteString.CopyFrom(stream.GetBuffer(), 0, (int)stream.Length);
    }

    private static T Read<T>(ReadOnlySpan<byte> payload, Func<BinaryReader, T> read)
    {
        using var reader = new BinaryReader(new MemoryStream(payload.ToArray(), writable: false), Utf8);
        try
        {
            var value = read(reader);
            if (reader.BaseStream.Position != reader.BaseStream.Length)
            {
                throw new FormatException("A sharding message has trailing bytes.");
            }

            return value;
        }
        catch (EndOfStreamException e)
        {
            throw new FormatException("A sharding message is truncated.", e);
        }
    }
}
