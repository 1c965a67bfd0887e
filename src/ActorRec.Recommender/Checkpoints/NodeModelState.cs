using ActorRec.Recommender.Reranking;

namespace ActorRec.Recommender.Checkpoints;

/// <summary>What a restore put back: which sections, and how many entries named videos this node no longer has.</summary>
/// <param name="Model">The ranking model (network, Adagrad state, sparse rows, sketch, counters) was restored.</param>
/// <param name="CoEngagement">The co-engagement table was restored.</param>
/// <param name="Placements">The cold-start placement counts were restored.</param>
/// <param name="Dropped">Co-engagement videos and placement entries dropped (video gone, or in another stage now).</param>
public sealed record RestoredState(bool Model, bool CoEngagement, bool Placements, int Dropped);

/// <summary>
/// The payload of a node checkpoint: what one node learned in memory and the journal does not hold. Sections, each
/// <c>[tag int32][length int64][bytes]</c>: 1 the ranking model (<see cref="Model.RankingModelService.WriteState"/>),
/// 2 the co-engagement table (by video key), 3 the cold-start placement counts (by video key and stage). A node whose
/// model is off skips section 1; an unknown tag is refused (a newer writer bumps <see cref="Version"/>).
/// <para>
/// <b>All or nothing.</b> <see cref="Decode"/> parses and checks every section against the live configuration first
/// and returns one step that applies them all, so a checkpoint refused for any reason changes nothing.
/// </para>
/// </summary>
public static class NodeModelState
{
    /// <summary>Payload format version (the envelope's version field).</summary>
    public const int Version = 1;

    private const int ModelTag = 1;
    private const int CoEngagementTag = 2;
    private const int PlacementsTag = 3;

    /// <summary>Serialises the learned state of <paramref name="pipeline"/>.</summary>
    public static byte[] Capture(FeedPipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            if (pipeline.Quality.Model is { } model)
            {
                Section(writer, stream, ModelTag, w => model.WriteState(w));
            }

            Section(writer, stream, CoEngagementTag, w => pipeline.Retriever.CoEngagement.WriteState(w, pipeline.Catalog));
            Section(writer, stream, PlacementsTag, w => pipeline.Catalog.WritePlacements(w));
        }

        return stream.ToArray();
    }

    /// <summary>
    /// Parses <paramref name="payload"/> against <paramref name="pipeline"/>'s configuration and catalog; returns the step
    /// that applies it and what it will restore.
    /// </summary>
    /// <exception cref="InvalidDataException">The payload is malformed or was taken under another configuration.</exception>
    public static (Action Apply, RestoredState Restored) Decode(FeedPipeline pipeline, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(payload);
        var steps = new List<Action>(3);
        bool model = false, coEngagement = false, placements = false;
        var dropped = 0;
        using var stream = new MemoryStream(payload, writable: false);
        using var reader = new BinaryReader(stream);
        try
        {
            while (stream.Position < stream.Length)
            {
                var tag = reader.ReadInt32();
                var length = reader.ReadInt64();
                if (length < 0 || length > stream.Length - stream.Position)
                {
                    throw new InvalidDataException($"section {tag} announces {length} bytes, {stream.Length - stream.Position} are left");
                }

                var end = stream.Position + length;
                switch (tag)
                {
                    case ModelTag when pipeline.Quality.Model is { } m:
                        steps.Add(m.ReadState(reader));
                        model = true;
                        break;
                    case ModelTag:
                        stream.Position = end; // this node serves without the model
                        break;
                    case CoEngagementTag:
                        steps.Add(pipeline.Retriever.CoEngagement.ReadState(reader, pipeline.Catalog, out var d1));
                        dropped += d1;
                        coEngagement = true;
                        break;
                    case PlacementsTag:
                        steps.Add(pipeline.Catalog.ReadPlacements(reader, out var d2));
                        dropped += d2;
                        placements = true;
                        break;
                    default:
                        throw new InvalidDataException($"unknown section {tag}");
                }

                if (stream.Position != end)
                {
                    throw new InvalidDataException($"section {tag} is {length} bytes but {stream.Position - (end - length)} were read");
                }
            }
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("the payload ends inside a section", e);
        }

        return (() =>
        {
            foreach (var step in steps)
            {
                step();
            }
        }, new RestoredState(model, coEngagement, placements, dropped));
    }

    private static void Section(BinaryWriter writer, MemoryStream stream, int tag, Action<BinaryWriter> write)
    {
        writer.Write(tag);
        var lengthAt = stream.Position;
        writer.Write(0L);
        var start = stream.Position;
        write(writer);
        writer.Flush();
        var end = stream.Position;
        stream.Position = lengthAt;
        writer.Write(end - start);
        writer.Flush();
        stream.Position = end;
    }
}
