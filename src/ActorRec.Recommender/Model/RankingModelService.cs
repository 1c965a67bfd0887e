using System.Runtime.CompilerServices;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Features;

namespace ActorRec.Recommender.Model;

/// <summary>Counters of the ranking model, for the debug endpoint.</summary>
/// <param name="Parameters">Trainable parameters of the network.</param>
/// <param name="InputDimension">Length of the feature vector.</param>
/// <param name="Examples">Events trained on.</param>
/// <param name="Scored">Candidates scored.</param>
/// <param name="SparseRows">Ids owning a row in the sparse table.</param>
/// <param name="SparseTableBytes">Bytes of the sparse table's arrays.</param>
/// <param name="MeanLoss">Mean training loss over the last examples (exponentially weighted).</param>
public sealed record RankingModelStats(int Parameters, int InputDimension, long Examples, long Scored, int SparseRows, long SparseTableBytes, double MeanLoss);

/// <summary>
/// The node's one ranking model, shared by the ranking actors (serving) and the ingest path (training).
/// <para>
/// <b>Same features both ways.</b> Serving and training call <see cref="FeatureBuilder.Build"/> with the user's
/// long-term embedding, the video's catalog embedding, the video's sparse ids (<see cref="SparseIds"/>: its first
/// hashtags, its sound, its creator) and the context (region, device, UTC hour). Training sees the user's embedding
/// from before the event, as the feed that led to it did.
/// </para>
/// <para>
/// <b>Labels.</b> A view or a skip is an impression: it teaches completion (watch ratio at or above
/// <c>learning.completion-ratio</c>, or a replay), skip, watch ratio, and is a negative for like, share and follow.
/// A like, share or follow event teaches its own head only; not-interested teaches skip; a comment teaches nothing.
/// </para>
/// <para>
/// <b>Calibration.</b> Before training on a view or a skip, its completion is predicted and kept with the outcome in
/// a ring of the last <c>model.calibration-window</c> impressions: each is held out from the model that predicted it
/// (progressive validation), so <see cref="Calibration"/> is an honest held-out report.
/// </para>
/// <para><b>Threading.</b> One lock guards the network, the sparse table and the scratch: a feed's candidates are
/// scored in one <see cref="MultiTaskRanker.PredictBatch"/> inside it, and an ingest batch trains inside it.</para>
/// </summary>
public sealed class RankingModelService
{
    private const double LossDecay = 0.01;
    private readonly Lock _lock = new();
    private readonly ModelSettings _settings;
    private readonly float _completionRatio;
    private readonly FeatureBuilder _features;
    private readonly OnlineRankingModel _model;
    private readonly TimeProvider _time;
    private readonly long _evictTicks;
    private readonly float[] _calibrationPredicted;
    private readonly bool[] _calibrationObserved;
    private readonly float[] _shared;
    private float[] _batch = [];
    private long _nextEvictTicks;
    private int _calibrationNext;
    private int _calibrationCount;
    private long _examples;
    private long _scored;
    private double _meanLoss;

    /// <summary>Creates an untrained model from the settings.</summary>
    public RankingModelService(FeedSettings settings, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings.Model;
        _completionRatio = settings.Learning.CompletionRatio;
        _time = time ?? TimeProvider.System;
        var table = new CuckooEmbeddingTable(settings.SparseTable.Table, _time);
        _features = new FeatureBuilder(new FeatureSettings(settings.EmbeddingDim, _settings.DeviceBuckets), table);
        _model = new OnlineRankingModel(_features, _settings.ToRanker(), _settings.Weights, _settings.EmbeddingLearningRate);
        _evictTicks = settings.SparseTable.EvictInterval.Ticks;
        _nextEvictTicks = _time.GetUtcNow().UtcTicks + _evictTicks;
        _shared = new float[_features.InputDimension];
        _calibrationPredicted = new float[_settings.CalibrationWindow];
        _calibrationObserved = new bool[_settings.CalibrationWindow];
        MaxSparseIds = _settings.MaxHashtags + 2;
    }

    /// <summary>Most sparse ids of one video (<see cref="SparseIds"/>).</summary>
    public int MaxSparseIds { get; }

    /// <summary>Writes the sparse ids of a video (first hashtags, sound, creator) into <paramref name="ids"/>; returns how many.</summary>
    public int SparseIds(VideoRowInfo info, Span<ulong> ids)
    {
        ArgumentNullException.ThrowIfNull(info);
        var n = 0;
        var tags = info.HashtagKeys;
        for (var i = 0; i < tags.Length && n < _settings.MaxHashtags; i++)
        {
            ids[n++] = tags[i];
        }

        if (info.SoundKey != 0)
        {
            ids[n++] = info.SoundKey;
        }

        ids[n++] = info.CreatorKey;
        return n;
    }

    /// <summary>
    /// Predicts every task for the videos at <paramref name="rows"/> for one user in one context, in one batched
    /// forward pass; writes <c>rows.Length</c> predictions. The features are <see cref="FeatureBuilder.Build"/>'s, as in
    /// training, built as the feed's shared part once plus each video's own part
    /// (<see cref="MultiTaskRanker.PredictFolded"/> folds the shared part through the first layer once per call).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PredictBatch(ReadOnlySpan<float> user, ReadOnlySpan<int> rows, VideoCatalog catalog, in RankingContext context, Span<TaskPredictions> output)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (output.Length < rows.Length)
        {
            throw new ArgumentException($"output holds {output.Length}, {rows.Length} needed.", nameof(output));
        }

        var itemDim = _features.ItemDimension;
        Span<ulong> ids = stackalloc ulong[MaxSparseIds];
        lock (_lock)
        {
            if (_batch.Length < rows.Length * itemDim)
            {
                _batch = new float[rows.Length * itemDim];
            }

            _features.BuildShared(user, context, _shared);
            for (var i = 0; i < rows.Length; i++)
            {
                var n = SparseIds(catalog.Info(rows[i]), ids);
                _features.BuildItem(catalog.Row(rows[i]), ids[..n], _batch.AsSpan(i * itemDim, itemDim));
            }

            _model.Ranker.PredictFolded(_shared, user, _features.Layout, _batch, rows.Length, output);
            _scored += rows.Length;
        }
    }

    /// <summary>Predicts every task for one (user, video row, context).</summary>
    public TaskPredictions Predict(ReadOnlySpan<float> user, int row, VideoCatalog catalog, in RankingContext context)
    {
        Span<TaskPredictions> one = stackalloc TaskPredictions[1];
        PredictBatch(user, [row], catalog, context, one);
        return one[0];
    }

    /// <summary>The labels an event teaches (<see cref="TaskMask.None"/>: nothing).</summary>
    public TaskLabels LabelsOf(InteractionEvent e, long videoDurationMs)
    {
        ArgumentNullException.ThrowIfNull(e);
        var duration = e.DurationMs > 0 ? e.DurationMs : videoDurationMs;
        var ratio = duration > 0 ? (float)e.WatchMs / duration : 0f;
        return e.Type switch
        {
            InteractionType.View => new TaskLabels(ratio >= _completionRatio || e.Replays > 0, false, false, false, false, ratio),
            InteractionType.Skip => new TaskLabels(false, false, false, false, true, ratio),
            InteractionType.Like => new TaskLabels(false, true, false, false, false, 0f, TaskMask.Like),
            InteractionType.Share => new TaskLabels(false, false, true, false, false, 0f, TaskMask.Share),
            InteractionType.Follow => new TaskLabels(false, false, false, true, false, 0f, TaskMask.Follow),
            InteractionType.NotInterested => new TaskLabels(false, false, false, false, true, 0f, TaskMask.Skip),
            _ => new TaskLabels(false, false, false, false, false, 0f, TaskMask.None),
        };
    }

    /// <summary>
    /// Trains on one event of a user with the video at <paramref name="row"/>; <paramref name="userBefore"/> is the
    /// user's embedding before the event. An impression's completion, as predicted by the forward pass the step
    /// starts from, goes to the calibration report (held out: the model has not yet learned from it).
    /// </summary>
    public void Learn(InteractionEvent e, ReadOnlySpan<float> userBefore, int row, VideoCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(catalog);
        var info = catalog.Info(row);
        var labels = LabelsOf(e, info.DurationMs);
        if (labels.Mask == TaskMask.None)
        {
            return;
        }

        var context = new RankingContext(e.Region ?? info.Region, e.Device ?? string.Empty, e.Timestamp.UtcDateTime.Hour);
        Span<ulong> ids = stackalloc ulong[MaxSparseIds];
        var n = SparseIds(info, ids);
        var video = catalog.Row(row);
        lock (_lock)
        {
            // The training step's own forward pass (before the step) is the held-out prediction.
            var loss = _model.Learn(userBefore, video, ids[..n], context, labels, out var predicted);
            if ((labels.Mask & TaskMask.Completion) != 0)
            {
                _calibrationPredicted[_calibrationNext] = predicted.Completion;
                _calibrationObserved[_calibrationNext] = labels.Completed;
                _calibrationNext = (_calibrationNext + 1) % _calibrationPredicted.Length;
                _calibrationCount = Math.Min(_calibrationCount + 1, _calibrationPredicted.Length);
            }

            _meanLoss = _examples == 0 ? loss : ((1 - LossDecay) * _meanLoss) + (LossDecay * loss);
            _examples++;
            var now = _time.GetUtcNow().UtcTicks;
            if (now >= _nextEvictTicks)
            {
                _features.Table.EvictExpired();
                _nextEvictTicks = now + _evictTicks;
            }
        }
    }

    /// <summary>Predicted vs observed completion per bucket over the held-out window (see the class remarks).</summary>
    public CalibrationReport Calibration(int buckets = 10)
    {
        float[] predicted;
        bool[] observed;
        lock (_lock)
        {
            predicted = _calibrationPredicted.AsSpan(0, _calibrationCount).ToArray();
            observed = _calibrationObserved.AsSpan(0, _calibrationCount).ToArray();
        }

        return CalibrationReport.Build(predicted, observed, buckets);
    }

    /// <summary>
    /// Writes everything the model learned (network and Adagrad state, sparse rows and admission sketch, counters,
    /// the calibration window), under the lock: a consistent cut between two training steps.
    /// </summary>
    public void WriteState(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        lock (_lock)
        {
            _model.Ranker.WriteState(writer);
            _features.Table.WriteState(writer);
            writer.Write(_examples);
            writer.Write(_scored);
            writer.Write(_meanLoss);
            writer.Write(_calibrationCount);
            writer.Write(_calibrationNext);
            Checkpoints.StateIO.WriteFloats(writer, _calibrationPredicted);
            for (var i = 0; i < _calibrationObserved.Length; i++)
            {
                writer.Write(_calibrationObserved[i]);
            }
        }
    }

    /// <summary>
    /// Reads what <see cref="WriteState"/> wrote and checks it fits this model's configuration; returns the step that
    /// applies it (under the lock). Nothing changes until that step runs, so a refused checkpoint leaves the model as it was.
    /// </summary>
    /// <exception cref="InvalidDataException">The checkpoint was taken under another configuration, or is malformed.</exception>
    public Action ReadState(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var ranker = _model.Ranker.ReadState(reader);
        var table = _features.Table.ReadState(reader);
        var examples = reader.ReadInt64();
        var scored = reader.ReadInt64();
        var meanLoss = reader.ReadDouble();
        var count = reader.ReadInt32();
        var next = reader.ReadInt32();
        var predicted = Checkpoints.StateIO.ReadFloats(reader, _calibrationPredicted.Length, "model.calibration-window");
        var observed = new bool[_calibrationObserved.Length];
        for (var i = 0; i < observed.Length; i++)
        {
            observed[i] = reader.ReadBoolean();
        }

        if (count < 0 || count > predicted.Length || next < 0 || next >= Math.Max(1, predicted.Length) || examples < 0 || scored < 0)
        {
            throw new InvalidDataException($"model counters out of range (examples {examples}, calibration {count} at {next})");
        }

        return () =>
        {
            lock (_lock)
            {
                ranker();
                table();
                _examples = examples;
                _scored = scored;
                _meanLoss = meanLoss;
                _calibrationCount = count;
                _calibrationNext = next;
                predicted.CopyTo(_calibrationPredicted, 0);
                observed.CopyTo(_calibrationObserved, 0);
            }
        };
    }

    /// <summary>Counters for the debug endpoint.</summary>
    public RankingModelStats Stats()
    {
        lock (_lock)
        {
            var table = _features.Table;
            return new RankingModelStats(_model.Ranker.ParameterCount, _features.InputDimension, _examples, _scored, table.Count, table.AllocatedBytes, _meanLoss);
        }
    }
}
