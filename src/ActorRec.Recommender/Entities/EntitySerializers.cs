using ActorRec.Persistence.Serialization;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Exploration;
using ActorRec.Recommender.Users;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Entities;

/// <summary>
/// Binary schemas of everything the user and video actors journal: interactions (with the facts and negatives that
/// make replay exact), video registrations and both snapshots. Layouts are fixed per version; a change bumps the
/// version and registers an upcaster (see <see cref="EventSerializerRegistry"/>).
/// </summary>
public static class EntitySerializers
{
    public const string UserInteractionManifest = "feed.user-interaction";
    public const string VideoInteractionManifest = "feed.video-interaction";
    public const string VideoRegisteredManifest = "feed.video-registered";
    public const string UserSnapshotManifest = "feed.user-snapshot";
    public const string VideoSnapshotManifest = "feed.video-snapshot";

    // An empty array as the writers encode it (an Int32 length of 0), appended by the snapshot upcasters.
    private static readonly byte[] EmptyLength = [0, 0, 0, 0];

    /// <summary>Registers the feed schemas on <paramref name="registry"/> and returns it.</summary>
    public static EventSerializerRegistry Register(EventSerializerRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.Register<UserInteraction>(UserInteractionManifest, 2, WriteUserInteraction, ReadUserInteraction);
        registry.Register<VideoInteraction>(VideoInteractionManifest, 2, WriteVideoInteraction, ReadVideoInteraction);
        registry.RegisterUpcaster(UserInteractionManifest, 1, bytes => Upcast(bytes, UserInteractionManifest, ReadUserInteractionV1, WriteUserInteraction));
        registry.RegisterUpcaster(VideoInteractionManifest, 1, bytes => Upcast(bytes, VideoInteractionManifest, ReadVideoInteractionV1, WriteVideoInteraction));
        registry.Register<VideoRegistered>(VideoRegisteredManifest, 1, WriteVideoRegistered, ReadVideoRegistered);
        registry.Register<UserSnapshot>(UserSnapshotManifest, 2, WriteUserSnapshot, ReadUserSnapshot);
        registry.Register<VideoSnapshot>(VideoSnapshotManifest, 3, WriteVideoSnapshot, ReadVideoSnapshot);

        // User v2 and video v3 appended the event second of each applied id (AppliedIds); an older snapshot reads
        // as an empty list (a zero length), and restoring it dates its ids at the snapshot's newest event.
        registry.RegisterUpcaster(UserSnapshotManifest, 1, static bytes => new SerializedPayload(UserSnapshotManifest, 2, [.. bytes, .. EmptyLength]));
        registry.RegisterUpcaster(VideoSnapshotManifest, 2, static bytes => new SerializedPayload(VideoSnapshotManifest, 3, [.. bytes, .. EmptyLength]));
        // v2 appended the per-stage promotion counters; a v1 snapshot reads as "no counters" (a false flag).
        registry.RegisterUpcaster(VideoSnapshotManifest, 1, static bytes => new SerializedPayload(VideoSnapshotManifest, 2, [.. bytes, 0]));
        return registry;
    }

    /// <summary>A registry holding only the feed schemas.</summary>
    public static EventSerializerRegistry CreateRegistry() => Register(new EventSerializerRegistry());

    // Version 2 of the interactions: vectors in the compact lossless encoding of JournalVectors. Version 1 (raw
    // floats) is read by the upcasters below, which re-write it as version 2 (a float vector stays float: lossless).
    private static void WriteUserInteraction(BinaryWriter w, UserInteraction x)
    {
        WriteEvent(w, x.Event);
        w.Write(x.Video.VideoId);
        w.Write(x.Video.CreatorId);
        w.Write(x.Video.Topic);
        w.Write(x.Video.DurationMs);
        JournalVectors.Write(w, x.Video.Embedding);
        JournalVectors.Write(w, x.Negatives);
    }

    private static UserInteraction ReadUserInteraction(BinaryReader r)
    {
        var e = ReadEvent(r);
        var facts = new VideoFacts(r.ReadString(), r.ReadString(), r.ReadString(), r.ReadInt64(), JournalVectors.Read(r));
        return new UserInteraction(e, facts, JournalVectors.Read(r));
    }

    private static void WriteVideoInteraction(BinaryWriter w, VideoInteraction x)
    {
        WriteEvent(w, x.Event);
        JournalVectors.Write(w, x.UserEmbedding);
    }

    private static VideoInteraction ReadVideoInteraction(BinaryReader r) => new(ReadEvent(r), JournalVectors.Read(r));

    private static UserInteraction ReadUserInteractionV1(BinaryReader r)
    {
        var e = ReadEvent(r);
        var facts = new VideoFacts(r.ReadString(), r.ReadString(), r.ReadString(), r.ReadInt64(), ReadFloats(r));
        return new UserInteraction(e, facts, ReadFloats(r));
    }

    private static VideoInteraction ReadVideoInteractionV1(BinaryReader r) => new(ReadEvent(r), ReadFloats(r));

    private static SerializedPayload Upcast<T>(byte[] bytes, string manifest, Func<BinaryReader, T> readOld, Action<BinaryWriter, T> writeNew)
    {
        T value;
        using (var reader = new BinaryReader(new MemoryStream(bytes, writable: false)))
        {
            value = readOld(reader);
        }

        using var stream = new MemoryStream(bytes.Length);
        using (var writer = new BinaryWriter(stream))
        {
            writeNew(writer, value);
        }

        return new SerializedPayload(manifest, 2, stream.ToArray());
    }

    /// <summary>
    /// Writes an interaction in the version-1 layout (raw float vectors), as journals written before version 2 hold
    /// it; for tests of the upcasting path.
    /// </summary>
    public static byte[] WriteVersion1(object interaction)
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream))
        {
            switch (interaction)
            {
                case UserInteraction x:
                    WriteEvent(w, x.Event);
                    w.Write(x.Video.VideoId);
                    w.Write(x.Video.CreatorId);
                    w.Write(x.Video.Topic);
                    w.Write(x.Video.DurationMs);
                    WriteFloats(w, x.Video.Embedding);
                    WriteFloats(w, x.Negatives);
                    break;
                case VideoInteraction x:
                    WriteEvent(w, x.Event);
                    WriteFloats(w, x.UserEmbedding);
                    break;
                default:
                    throw new ArgumentException($"{interaction?.GetType().Name ?? "null"} is not an interaction", nameof(interaction));
            }
        }

        return stream.ToArray();
    }

    private static void WriteVideoRegistered(BinaryWriter w, VideoRegistered x)
    {
        WriteUpload(w, x.Upload);
        w.Write(x.At.UtcTicks);
        w.Write(x.History is not null);
        if (x.History is { } h)
        {
            w.Write(h.Impressions);
            w.Write(h.Views);
            w.Write(h.Completions);
            w.Write(h.Likes);
            w.Write(h.Shares);
            w.Write(h.MeanWatchRatio);
            w.Write(h.Velocity);
            w.Write(h.At.UtcTicks);
        }
    }

    private static VideoRegistered ReadVideoRegistered(BinaryReader r)
    {
        var upload = ReadUpload(r);
        var at = new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero);
        VideoHistory? history = null;
        if (r.ReadBoolean())
        {
            history = new VideoHistory(r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadSingle(),
                r.ReadSingle(), new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero));
        }

        return new VideoRegistered(upload, at, history);
    }

    private static void WriteUserSnapshot(BinaryWriter w, UserSnapshot s)
    {
        w.Write(s.UserId);
        w.Write(s.EventCount);
        w.Write(s.LastEventTicks);
        WriteNullable(w, s.Region);
        WriteNullable(w, s.Device);
        w.Write(s.Hour);
        WriteFloats(w, s.Embedding);
        WriteFloats(w, s.Session);
        w.Write(s.SessionAtTicks);
        WriteULongs(w, s.Recent);
        w.Write(s.CounterKeys.Length);
        foreach (var k in s.CounterKeys)
        {
            w.Write(k);
        }

        WriteFloats(w, s.CounterValues);
        w.Write(s.CountersAtTicks);
        WriteULongs(w, s.SeenWords);
        w.Write(s.SeenGeneration);
        w.Write(s.SeenCount);
        WriteULongs(w, s.AppliedIds);
        WriteULongs(w, s.Relations);
        WriteUInts(w, s.AppliedSeconds ?? []);
    }

    private static UserSnapshot ReadUserSnapshot(BinaryReader r)
    {
        var userId = r.ReadString();
        var eventCount = r.ReadInt64();
        var lastTicks = r.ReadInt64();
        var region = ReadNullable(r);
        var device = ReadNullable(r);
        var hour = r.ReadInt32();
        var embedding = ReadFloats(r);
        var session = ReadFloats(r);
        var sessionAt = r.ReadInt64();
        var recent = ReadULongs(r);
        var keys = new uint[ReadLength(r)];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = r.ReadUInt32();
        }

        var values = ReadFloats(r);
        var countersAt = r.ReadInt64();
        var seen = ReadULongs(r);
        var generation = r.ReadInt32();
        var seenCount = r.ReadInt32();
        var applied = ReadULongs(r);
        var relations = ReadULongs(r);
        var appliedSeconds = ReadUInts(r);
        return new UserSnapshot(userId, eventCount, lastTicks, region, device, hour, embedding, session, sessionAt, recent, keys,
            values, countersAt, seen, generation, seenCount, applied, relations, appliedSeconds);
    }

    private static void WriteVideoSnapshot(BinaryWriter w, VideoSnapshot s)
    {
        w.Write(s.VideoId);
        WriteUpload(w, s.Upload);
        w.Write(s.UploadedAt.UtcTicks);
        WriteFloats(w, s.Embedding);
        w.Write(s.EventCount);
        w.Write(s.Impressions);
        w.Write(s.Views);
        w.Write(s.Completions);
        w.Write(s.Likes);
        w.Write(s.Shares);
        w.Write(s.Comments);
        w.Write(s.Skips);
        w.Write(s.Follows);
        w.Write(s.NotInterested);
        w.Write(s.WatchRatioSum);
        w.Write(s.Velocity);
        w.Write(s.VelocityAtTicks);
        w.Write((byte)s.Moderation);
        w.Write(s.Stage);
        w.Write(s.StageStopped);
        WriteULongs(w, s.AppliedIds);
        w.Write(s.Promotion.HasValue);
        if (s.Promotion is { } p)
        {
            w.Write(p.StageIndex);
            w.Write((byte)p.Status);
            w.Write(p.StageImpressions);
            w.Write(p.StageCompletions);
            w.Write(p.StageShares);
            w.Write(p.TotalImpressions);
        }

        WriteUInts(w, s.AppliedSeconds ?? []);
    }

    private static VideoSnapshot ReadVideoSnapshot(BinaryReader r) => ReadVideoSnapshotV2(r) with { AppliedSeconds = ReadUInts(r) };

    private static VideoSnapshot ReadVideoSnapshotV2(BinaryReader r) => new(
        r.ReadString(), ReadUpload(r), new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero), ReadFloats(r), r.ReadInt64(), r.ReadInt64(),
        r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(),
        r.ReadDouble(), r.ReadSingle(), r.ReadInt64(), (ModerationState)r.ReadByte(), r.ReadInt32(), r.ReadBoolean(), ReadULongs(r),
        r.ReadBoolean() ? new PromotionCounters(r.ReadInt32(), (PromotionStatus)r.ReadByte(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64()) : null);

    private static void WriteEvent(BinaryWriter w, InteractionEvent e)
    {
        w.Write(e.Id);
        w.Write((byte)e.Type);
        w.Write(e.UserId);
        w.Write(e.VideoId);
        w.Write(e.Timestamp.UtcTicks);
        w.Write(e.WatchMs);
        w.Write(e.DurationMs);
        w.Write(e.Replays);
        WriteNullable(w, e.Region);
        WriteNullable(w, e.Device);
    }

    private static InteractionEvent ReadEvent(BinaryReader r)
    {
        var id = r.ReadString();
        var type = (InteractionType)r.ReadByte();
        if (!Enum.IsDefined(type))
        {
            throw new InvalidDataException($"event {id} has unknown interaction type {(byte)type}");
        }

        return new InteractionEvent(id, type, r.ReadString(), r.ReadString(), new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero),
            r.ReadInt64(), r.ReadInt64(), r.ReadInt32(), ReadNullable(r), ReadNullable(r));
    }

    private static void WriteUpload(BinaryWriter w, VideoUpload u)
    {
        w.Write(u.CreatorId);
        w.Write(u.DurationMs);
        w.Write(u.Hashtags.Count);
        foreach (var tag in u.Hashtags)
        {
            w.Write(tag);
        }

        w.Write(u.Caption);
        WriteNullable(w, u.SoundId);
        w.Write(u.Region);
        w.Write(u.ContentEmbedding is not null);
        if (u.ContentEmbedding is not null)
        {
            WriteFloats(w, u.ContentEmbedding);
        }
    }

    private static VideoUpload ReadUpload(BinaryReader r)
    {
        var creator = r.ReadString();
        var duration = r.ReadInt64();
        var tags = new string[ReadLength(r)];
        for (var i = 0; i < tags.Length; i++)
        {
            tags[i] = r.ReadString();
        }

        var caption = r.ReadString();
        var sound = ReadNullable(r);
        var region = r.ReadString();
        var embedding = r.ReadBoolean() ? ReadFloats(r) : null;
        return new VideoUpload(creator, duration, tags, caption, sound, region, embedding);
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

    private static void WriteFloats(BinaryWriter w, float[] v)
    {
        w.Write(v.Length);
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan()));
    }

    private static float[] ReadFloats(BinaryReader r)
    {
        var v = new float[ReadLength(r)];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan());
        if (r.Read(bytes) != bytes.Length)
        {
            throw new EndOfStreamException("float vector is truncated");
        }

        return v;
    }

    private static void WriteULongs(BinaryWriter w, ulong[] v)
    {
        w.Write(v.Length);
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan()));
    }

    private static ulong[] ReadULongs(BinaryReader r)
    {
        var v = new ulong[ReadLength(r)];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan());
        if (r.Read(bytes) != bytes.Length)
        {
            throw new EndOfStreamException("key array is truncated");
        }

        return v;
    }

    private static void WriteUInts(BinaryWriter w, uint[] v)
    {
        w.Write(v.Length);
        w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan()));
    }

    private static uint[] ReadUInts(BinaryReader r)
    {
        var v = new uint[ReadLength(r)];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(v.AsSpan());
        if (r.Read(bytes) != bytes.Length)
        {
            throw new EndOfStreamException("second array is truncated");
        }

        return v;
    }

    private static int ReadLength(BinaryReader r)
    {
        var n = r.ReadInt32();
        if (n < 0 || n > (1 << 24))
        {
            throw new InvalidDataException($"array length {n} is out of range");
        }

        return n;
    }
}
