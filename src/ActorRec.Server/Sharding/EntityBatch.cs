using ActorRec.Actors;
using ActorRec.Cluster.Remote;
using ActorRec.Cluster.Serialization;
using ActorRec.Cluster.Sharding;
using Google.Protobuf;

namespace ActorRec.Server.Sharding;

/// <summary>
/// One node's part of a bundled request: messages for entities of <see cref="TypeName"/> whose shards that node owns,
/// sent as one remote message to its <see cref="EntityBatchEndpoint"/>. Reply: <see cref="EntityBatchReply"/>.
/// </summary>
/// <param name="TypeName">The entity type ("user", "video").</param>
/// <param name="EntityIds">The entities, one per message.</param>
/// <param name="Messages">The messages (each of a type registered for remoting).</param>
/// <param name="Budget">How long the owning node may wait for its entities' replies.</param>
public sealed record EntityBatch(string TypeName, IReadOnlyList<string> EntityIds, IReadOnlyList<object> Messages, TimeSpan Budget);

/// <summary>What became of one message of an <see cref="EntityBatch"/>: the entity's reply, or why there is none.</summary>
/// <param name="Reply">The entity's reply (null on error).</param>
/// <param name="Error">Why the entity did not answer (null on success).</param>
/// <param name="Retryable">The error is a shard in hand-off: sending the message again may succeed (after re-routing).</param>
public readonly record struct EntityBatchResult(object? Reply, string? Error, bool Retryable);

/// <summary>Reply to an <see cref="EntityBatch"/>: one result per message, in order.</summary>
public sealed record EntityBatchReply(IReadOnlyList<EntityBatchResult> Results);

/// <summary>
/// Every node's receiver of bundled parts (<c>/system/feed-batch</c>). It hands each message to its entity through
/// this node's region (each entity persists its own events: nothing is merged across entities), once, with the part's
/// budget, and answers with one reply when every entity has answered or failed. A shard that moved on since the
/// sender looked is still reached (the region forwards), and one in hand-off is reported as retryable so the sender
/// re-routes it; the sender owns the retries and the deadline.
/// </summary>
internal sealed class EntityBatchEndpoint(Func<string, ClusterShardRegion?> regions) : ActorBase
{
    public const string Name = "feed-batch";

    public const string Elements = "/system/" + Name;

    protected override bool Receive(object message)
    {
        if (message is not EntityBatch batch)
        {
            return false;
        }

        _ = AnswerAsync(batch, Sender, Self);
        return true;
    }

    private async Task AnswerAsync(EntityBatch batch, IActorRef? sender, IActorRef self)
    {
        var results = new EntityBatchResult[batch.EntityIds.Count];
        if (regions(batch.TypeName) is not { } region)
        {
            Array.Fill(results, new EntityBatchResult(null, $"node has no region of entity type '{batch.TypeName}'", false));
            sender?.Tell(new EntityBatchReply(results), self);
            return;
        }

        var budget = batch.Budget > TimeSpan.Zero ? batch.Budget : TimeSpan.FromMilliseconds(1);
        var asks = new Task<object>[results.Length];
        for (var i = 0; i < asks.Length; i++)
        {
            asks[i] = region.AskOnce(batch.EntityIds[i], batch.Messages[i], budget);
        }

        for (var i = 0; i < asks.Length; i++)
        {
            try
            {
                results[i] = new EntityBatchResult(await asks[i].ConfigureAwait(false), null, false);
            }
            catch (ShardUnavailableException e)
            {
                results[i] = new EntityBatchResult(null, e.Message, true);
            }
            catch (AskTimeoutException)
            {
                results[i] = new EntityBatchResult(null, $"did not answer within {budget.TotalSeconds:0.###} s", false);
            }
            catch (Exception e)
            {
                // Any other failure (owner lost, a remote failure, bad input) is reported for this entry: the sender
                // must always get its one reply, and names the part in its error.
                results[i] = new EntityBatchResult(null, e.Message, false);
            }
        }

        sender?.Tell(new EntityBatchReply(results), self);
    }
}

/// <summary>
/// Wire format of <see cref="EntityBatch"/> and <see cref="EntityBatchReply"/>: each inner message travels as its
/// manifest and payload from the node's own registry (so a batch carries any registered message), read back through
/// it; a manifest the receiver does not know makes the whole batch malformed (dead-lettered and logged; the sender's
/// ask then fails at its deadline).
/// </summary>
internal static class EntityBatchSerializers
{
    public static MessageSerializerRegistryBuilder AddEntityBatches(this MessageSerializerRegistryBuilder builder, FeedWireContext context) => builder
        .Register<EntityBatch>("feed.entity-batch", m => Write(w => WriteBatch(w, m, Registry(context))), p => Read(p, r => ReadBatch(r, Registry(context))))
        .Register<EntityBatchReply>("feed.entity-batch-reply", m => Write(w => WriteReply(w, m, Registry(context))), p => Read(p, r => ReadReply(r, Registry(context))));

    private static MessageSerializerRegistry Registry(FeedWireContext context) =>
        context.Registry ?? throw new InvalidOperationException("the node's message registry is not built yet");

    private static void WriteBatch(BinaryWriter w, EntityBatch m, MessageSerializerRegistry registry)
    {
        w.Write(m.TypeName);
        w.Write(m.Budget.Ticks);
        w.Write(m.EntityIds.Count);
        for (var i = 0; i < m.EntityIds.Count; i++)
        {
            w.Write(m.EntityIds[i]);
            WriteMessage(w, m.Messages[i], registry);
        }
    }

    private static EntityBatch ReadBatch(BinaryReader r, MessageSerializerRegistry registry)
    {
        var type = r.ReadString();
        var budget = TimeSpan.FromTicks(r.ReadInt64());
        var n = ReadLength(r);
        var ids = new string[n];
        var messages = new object[n];
        for (var i = 0; i < n; i++)
        {
            ids[i] = r.ReadString();
            messages[i] = ReadMessage(r, registry);
        }

        return new EntityBatch(type, ids, messages, budget);
    }

    private static void WriteReply(BinaryWriter w, EntityBatchReply m, MessageSerializerRegistry registry)
    {
        w.Write(m.Results.Count);
        foreach (var result in m.Results)
        {
            if (result.Reply is { } reply)
            {
                w.Write((byte)0);
                WriteMessage(w, reply, registry);
            }
            else
            {
                w.Write(result.Retryable ? (byte)2 : (byte)1);
                w.Write(result.Error ?? "");
            }
        }
    }

    private static EntityBatchReply ReadReply(BinaryReader r, MessageSerializerRegistry registry)
    {
        var results = new EntityBatchResult[ReadLength(r)];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = r.ReadByte() switch
            {
                0 => new EntityBatchResult(ReadMessage(r, registry), null, false),
                1 => new EntityBatchResult(null, r.ReadString(), false),
                2 => new EntityBatchResult(null, r.ReadString(), true),
                var kind => throw new FormatException($"unknown entity batch result kind {kind}"),
            };
        }

        return new EntityBatchReply(results);
    }

    private static void WriteMessage(BinaryWriter w, object message, MessageSerializerRegistry registry)
    {
        if (!registry.TrySerialize(message, out var manifest, out var payload))
        {
            throw new UnregisteredMessageTypeException($"A {message.GetType().FullName} in an entity batch has no serializer in the message registry; register it on every node.");
        }

        w.Write(manifest);
        w.Write(payload.Length);
        w.Write(payload.Span);
    }

    private static object ReadMessage(BinaryReader r, MessageSerializerRegistry registry)
    {
        var manifest = r.ReadString();
        var bytes = r.ReadBytes(ReadLength(r));
        return registry.TryDeserialize(manifest, bytes, out var message, out var error) == DeserializeStatus.Ok && message is not null
            ? message
            : throw new FormatException($"an entity batch holds a '{manifest}' message that does not decode: {error?.Message ?? "unknown manifest"}");
    }

    private static int ReadLength(BinaryReader r) => WireFormat.ReadLength(r);

    private static ByteString Write(Action<BinaryWriter> write) => WireFormat.Write(write);

    private static T Read<T>(ReadOnlySpan<byte> payload, Func<BinaryReader, T> read) => WireFormat.Read(payload, read, "an entity batch");
}
