using System.Runtime.InteropServices;
using System.Text.Json;
using ActorRec.Cluster.Serialization;
using ActorRec.Persistence.Serialization;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using ActorRec.Recommender.Reranking;
using ActorRec.Recommender.Retrieval;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;
using Google.Protobuf;

namespace ActorRec.Server.Sharding;

/// <summary>
/// Remote serializers of every message the feed and HTTP layers send to user and video entities, of their replies, and
/// of the video read copies (<see cref="VideoReadCopy"/>). Interactions, registrations and video snapshots reuse the
/// journal's compact binary schemas (<see cref="EntitySerializers"/>: the bytes a node journals are the bytes it
/// sends); state DTOs travel as the API's JSON.
/// <para>
/// A <see cref="CandidateSet"/> names catalog rows, which are local to each node's catalog. It travels by video key
/// and is rebuilt against the receiving node's catalog (<see cref="FeedWireContext"/>); a candidate whose video the
/// receiver has not seen yet (its read copy is still on the way) is left out. Experiment parameters are not sent:
/// they are a pure function of the user id and the shared config, so the receiver computes them.
/// </para>
/// <para>Malformed payloads raise <see cref="FormatException"/>, which the registry reports as malformed (the message is
/// dead-lettered and logged; the asker times out).</para>
/// </summary>
public static class FeedWireSerializers
{
    private static readonly EventSerializerRegistry Journal = EntitySerializers.CreateRegistry();

    /// <summary>Registers every feed entity message on <paramref name="builder"/>; returns it.</summary>
    public static MessageSerializerRegistryBuilder AddFeedMessages(this MessageSerializerRegistryBuilder builder, FeedWireContext context)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(context);
        return builder
            .Register<ApplyUserEvents>("feed.apply-user-events", m => Write(w => WriteList(w, m.Interactions, WriteJournaled)),
                p => Read(p, r => new ApplyUserEvents(ReadList(r, ReadJournaled<UserInteraction>))))
            .Register<UserEventsApplied>("feed.user-events-applied", WriteUserEventsApplied, p => Read(p, ReadUserEventsApplied))
            .Register<ApplyVideoEvents>("feed.apply-video-events", m => Write(w => WriteList(w, m.Interactions, WriteJournaled)),
                p => Read(p, r => new ApplyVideoEvents(ReadList(r, ReadJournaled<VideoInteraction>))))
            .Register<EventsApplied>("feed.events-applied", m => Write(w => { w.Write(m.Applied); w.Write(m.Duplicates); }),
                p => Read(p, r => new EventsApplied(r.ReadInt32(), r.ReadInt32())))
            .Register<UpsertVideo>("feed.upsert-video", m => Write(w => WriteJournaled(w, new VideoRegistered(m.Upload, m.At, m.History))),
                p => Read(p, r => ReadJournaled<VideoRegistered>(r) is var v ? new UpsertVideo(v.Upload, v.At, v.History) : null!))
            .Register<VideoUpserted>("feed.video-upserted", m => Write(w => { w.Write(m.Created); w.Write(JsonSerializer.Serialize(m.State, FeedJsonContext.Default.VideoStateDto)); }),
                p => Read(p, r => new VideoUpserted(r.ReadBoolean(), Json(r.ReadString(), FeedJsonContext.Default.VideoStateDto))))
            .Register<VideoStateDto>("feed.video-state", m => ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(m, FeedJsonContext.Default.VideoStateDto)),
                p => Json(p, FeedJsonContext.Default.VideoStateDto))
            .Register<UserStateDto>("feed.user-state", m => ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(m, FeedJsonContext.Default.UserStateDto)),
                p => Json(p, FeedJsonContext.Default.UserStateDto))
            .Register<VideoUnknown>("feed.video-unknown", m => ByteString.CopyFromUtf8(m.VideoId), p => new VideoUnknown(System.Text.Encoding.UTF8.GetString(p)))
            .Register<EntityFailure>("feed.entity-failure", m => ByteString.CopyFromUtf8(m.Reason), p => new EntityFailure(System.Text.Encoding.UTF8.GetString(p)))
            .Register<GetState>("feed.get-state", static _ => ByteString.Empty, static _ => GetState.Instance)
            .Register<RetrieveCandidates>("feed.retrieve-candidates", m => Write(w => WriteRequest(w, m.Request)), p => Read(p, r => new RetrieveCandidates(ReadRequest(r))))
            .Register<CandidateSet>("feed.candidate-set", m => Write(w => WriteCandidates(w, m, context.Pipeline)), p => Read(p, r => ReadCandidates(r, context.Pipeline)))
            .Register<VideoReadCopy>("feed.video-read-copy", m => Write(w => WriteJournaled(w, m.Snapshot)),
                p => Read(p, r => new VideoReadCopy(ReadJournaled<VideoSnapshot>(r))))
            .AddEntityBatches(context);
    }

    private static void WriteUserEventsApplied(BinaryWriter w, UserEventsApplied m)
    {
        w.Write(m.Applied);
        w.Write(m.Duplicates);
        WriteList(w, m.EmbeddingsBefore, WriteFloats);
        w.Write(m.Fresh is not null);
        if (m.Fresh is { } fresh)
        {
            WriteList(w, fresh, static (w, b) => w.Write(b));
        }
    }

    private static ByteString WriteUserEventsApplied(UserEventsApplied m) => Write(w => WriteUserEventsApplied(w, m));

    private static UserEventsApplied ReadUserEventsApplied(BinaryReader r)
    {
        var applied = r.ReadInt32();
        var duplicates = r.ReadInt32();
        var before = ReadList(r, ReadFloats);
        var fresh = r.ReadBoolean() ? ReadList(r, static r => r.ReadBoolean()) : null;
        return new UserEventsApplied(applied, duplicates, before, fresh);
    }

    private static void WriteRequest(BinaryWriter w, FeedRequest request)
    {
        w.Write(request.Count);
        WriteNullable(w, request.Region);
        w.Write(request.Now.UtcTicks);
    }

    private static FeedRequest ReadRequest(BinaryReader r) => new(r.ReadInt32(), ReadNullable(r), new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero));

    private static void WriteCandidates(BinaryWriter w, CandidateSet set, Recommender.Reranking.FeedPipeline? pipeline)
    {
        var catalog = (pipeline ?? throw new InvalidOperationException("the feed engine of this node is not running yet")).Catalog;
        w.Write(set.UserId);
        WriteFloats(w, set.Query);
        w.Write(set.Now.UtcTicks);
        w.Write(set.Region);
        w.Write(set.Seed);
        w.Write(set.StateVersion);
        w.Write(set.UserEmbedding is not null);
        if (set.UserEmbedding is { } embedding)
        {
            WriteFloats(w, embedding);
        }

        w.Write(set.UserEvents);
        w.Write(set.Device);
        w.Write(set.Filtered.Seen);
        w.Write(set.Filtered.Blocked);
        w.Write(set.Filtered.Muted);
        w.Write(set.Filtered.Moderated);
        var items = set.Items;
        w.Write(items.Length);
        foreach (ref readonly var c in items)
        {
            w.Write(catalog.Info(c.Row).VideoKey);
            w.Write((byte)c.Sources);
            w.Write(c.RetrievalScore);
            w.Write(c.TopicFatigue);
            w.Write(c.CreatorFatigue);
            w.Write(c.FollowedCreator);
            w.Write(c.CoEngagement);
        }
    }

    private static CandidateSet ReadCandidates(BinaryReader r, Recommender.Reranking.FeedPipeline? pipeline)
    {
        var feed = pipeline ?? throw new InvalidOperationException("the feed engine of this node is not running yet");
        var userId = r.ReadString();
        var query = ReadFloats(r);
        var now = new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero);
        var region = r.ReadString();
        var seed = r.ReadUInt64();
        var version = r.ReadInt64();
        var embedding = r.ReadBoolean() ? ReadFloats(r) : null;
        var events = r.ReadInt64();
        var device = r.ReadString();
        var filtered = new FilterCounts { Seen = r.ReadInt32(), Blocked = r.ReadInt32(), Muted = r.ReadInt32(), Moderated = r.ReadInt32() };
        var count = ReadLength(r);
        var set = new CandidateSet(userId, query, now, region, seed, count) { StateVersion = version };
        set.UserEmbedding = embedding;
        set.UserEvents = events;
        set.Device = device;
        set.Filtered = filtered;
        set.Parameters = feed.Quality.ParametersFor(userId, out var arms);
        set.ExperimentArms = arms;
        for (var i = 0; i < count; i++)
        {
            var key = r.ReadUInt64();
            var sources = (RetrievalSource)r.ReadByte();
            var score = r.ReadSingle();
            var topicFatigue = r.ReadSingle();
            var creatorFatigue = r.ReadSingle();
            var followed = r.ReadBoolean();
            var coEngagement = r.ReadSingle();
            if (feed.Catalog.TryGetRow(key, out var row) && set.Add(row, sources, score))
            {
                ref var c = ref set[set.Count - 1];
                c.TopicFatigue = topicFatigue;
                c.CreatorFatigue = creatorFatigue;
                c.FollowedCreator = followed;
                c.CoEngagement = coEngagement;
            }
        }

        return set;
    }

    // One journaled value: its schema version and bytes (the manifest is implied by the message).
    private static void WriteJournaled<T>(BinaryWriter w, T value)
        where T : notnull
    {
        var payload = Journal.Serialize(value);
        w.Write(payload.Version);
        w.Write(payload.Bytes.Length);
        w.Write(payload.Bytes);
    }

    private static T ReadJournaled<T>(BinaryReader r)
    {
        var version = r.ReadInt32();
        var bytes = r.ReadBytes(ReadLength(r));
        var manifest = Manifests.Of(typeof(T));
        return Journal.Deserialize(manifest, version, bytes) is T value
            ? value
            : throw new FormatException($"a {manifest} payload did not decode to {typeof(T).Name}");
    }

    private static void WriteList<T>(BinaryWriter w, IReadOnlyList<T> items, Action<BinaryWriter, T> write)
    {
        w.Write(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            write(w, items[i]);
        }
    }

    private static T[] ReadList<T>(BinaryReader r, Func<BinaryReader, T> read)
    {
        var items = new T[ReadLength(r)];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = read(r);
        }

        return items;
    }

    private static void WriteFloats(BinaryWriter w, float[] v)
    {
        w.Write(v.Length);
        w.Write(MemoryMarshal.AsBytes(v.AsSpan()));
    }

    private static float[] ReadFloats(BinaryReader r)
    {
        var v = new float[ReadLength(r)];
        var bytes = MemoryMarshal.AsBytes(v.AsSpan());
        if (r.Read(bytes) != bytes.Length)
        {
            throw new FormatException("a float vector is truncated");
        }

        return v;
    }

    private static void WriteNullable(BinaryWriter w, string? s)
    {
        w.Write(s is not null);
        if (s is not null)
        {
            w.Write(s);
        }
    }

    private static string? ReadNullable(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static int ReadLength(BinaryReader r) => WireFormat.ReadLength(r);

    private static ByteString Write(Action<BinaryWriter> write) => WireFormat.Write(write);

    private static T Read<T>(ReadOnlySpan<byte> payload, Func<BinaryReader, T> read) => WireFormat.Read(payload, read, "a feed message");

    private static T Json<T>(ReadOnlySpan<byte> payload, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, type) ?? throw new FormatException($"a {typeof(T).Name} payload is null");
        }
        catch (JsonException error)
        {
            throw new FormatException($"a {typeof(T).Name} payload is malformed: {error.Message}", error);
        }
    }

    private static T Json<T>(string text, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => Json(System.Text.Encoding.UTF8.GetBytes(text), type);

    private static class Manifests
    {
        public static string Of(Type type) =>
            type == typeof(UserInteraction) ? EntitySerializers.UserInteractionManifest
            : type == typeof(VideoInteraction) ? EntitySerializers.VideoInteractionManifest
            : type == typeof(VideoRegistered) ? EntitySerializers.VideoRegisteredManifest
            : type == typeof(VideoSnapshot) ? EntitySerializers.VideoSnapshotManifest
            : throw new ArgumentException($"{type.Name} has no journal schema", nameof(type));
    }
}

/// <summary>
/// What the feed serializers need of the node at run time: its feed pipeline (catalog rows ↔ video keys, experiment
/// parameters). Set once the node's feed engine is built; messages that need it fail as malformed before that.
/// </summary>
public sealed class FeedWireContext
{
    private FeedPipeline? _pipeline;
    private MessageSerializerRegistry? _registry;

    public FeedPipeline? Pipeline
    {
        get => Volatile.Read(ref _pipeline);
        set => Volatile.Write(ref _pipeline, value);
    }

    /// <summary>The node's built registry: the messages inside an <see cref="EntityBatch"/> travel through it.</summary>
    public MessageSerializerRegistry? Registry
    {
        get => Volatile.Read(ref _registry);
        set => Volatile.Write(ref _registry, value);
    }
}

/// <summary>
/// A video's read copy for the other nodes' catalogs: its snapshot without the applied-event ids (only the owner
/// deduplicates), published by the owner after every change (see <see cref="VideoReadCopies"/>).
/// </summary>
public sealed record VideoReadCopy(VideoSnapshot Snapshot);
