using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace ActorRec.Recommender.Model;

/// <summary>Settings of the <see cref="MultiTaskRanker"/>.</summary>
/// <param name="Hidden1">Units of the first shared layer.</param>
/// <param name="Hidden2">Units of the second shared layer.</param>
/// <param name="LearningRate">Adagrad step.</param>
/// <param name="InitialAccumulator">Adagrad's starting sum of squared gradients (damps the first steps).</param>
/// <param name="WatchRatioLossWeight">Weight of the squared-error watch-ratio loss next to the five log-losses.</param>
/// <param name="MaxWatchRatio">Watch-ratio labels are clipped to [0, this].</param>
/// <param name="Seed">Initialisation seed.</param>
public sealed record RankerSettings(
    int Hidden1 = 64,
    int Hidden2 = 32,
    float LearningRate = 0.05f,
    float InitialAccumulator = 0.1f,
    float WatchRatioLossWeight = 1f,
    float MaxWatchRatio = 3f,
    int Seed = 17)
{
    /// <summary>Validates and names the bad key.</summary>
    public static RankerSettings Create(RankerSettings values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(values.Hidden1, "ranking.model.hidden1");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(values.Hidden2, "ranking.model.hidden2");
        if (!(values.LearningRate > 0f) || !float.IsFinite(values.LearningRate))
        {
            throw new ArgumentOutOfRangeException("ranking.model.learning-rate", values.LearningRate, "ranking.model.learning-rate must be positive.");
        }

        if (!(values.InitialAccumulator > 0f))
        {
            throw new ArgumentOutOfRangeException("ranking.model.initial-accumulator", values.InitialAccumulator, "ranking.model.initial-accumulator must be positive.");
        }

        if (!(values.WatchRatioLossWeight >= 0f) || !(values.MaxWatchRatio > 0f))
        {
            throw new ArgumentOutOfRangeException("ranking.model.watch-ratio-loss-weight", values.WatchRatioLossWeight, "ranking.model.watch-ratio-loss-weight must be ≥ 0 and max-watch-ratio > 0.");
        }

        return values;
    }
}

/// <summary>
/// The multi-task ranking network: a shared-bottom MLP (input → ReLU → ReLU) with six linear heads — five logits
/// (completion, like, share, follow, skip; sigmoid, log-loss) and one regression (watch ratio, squared error).
/// Trained online by Adagrad on one example at a time; the loss is the sum of the task losses, so the shared layers
/// learn a representation useful to every task.
/// </summary>
/// <remarks>Not thread-safe: activations live in per-instance scratch, so one owner (a ranking actor) calls it.</remarks>
[DebuggerDisplay("MultiTaskRanker {InputDimension} → {_settings.Hidden1} → {_settings.Hidden2} → 6")]
public sealed class MultiTaskRanker
{
    private readonly RankerSettings _settings;
    private readonly DenseLayer _layer1;
    private readonly DenseLayer _layer2;
    private readonly DenseLayer _heads;
    private readonly float[] _h1;
    private readonly float[] _h2;
    private readonly float[] _z;
    private readonly float[] _gz;
    private readonly float[] _gh1;
    private readonly float[] _gh2;
    private readonly float[] _foldBias1;
    private readonly float[] _w2T;
    private readonly float[] _w3T;
    private float[] _foldT = [];
    private float[] _batchH1 = [];
    private float[] _batchH2 = [];
    private float[] _batchZ = [];

    /// <summary>Creates a randomly initialised network for inputs of <paramref name="inputDimension"/> floats.</summary>
    public MultiTaskRanker(int inputDimension, RankerSettings? settings = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputDimension);
        _settings = RankerSettings.Create(settings ?? new RankerSettings());
        var random = new Random(_settings.Seed);
        InputDimension = inputDimension;
        _layer1 = new DenseLayer(inputDimension, _settings.Hidden1, random, _settings.InitialAccumulator);
        _layer2 = new DenseLayer(_settings.Hidden1, _settings.Hidden2, random, _settings.InitialAccumulator);
        _heads = new DenseLayer(_settings.Hidden2, TaskPredictions.Count, random, _settings.InitialAccumulator);
        _heads.Weights.Clear();
        _h1 = new float[_settings.Hidden1];
        _h2 = new float[_settings.Hidden2];
        _z = new float[TaskPredictions.Count];
        _gz = new float[TaskPredictions.Count];
        _gh1 = new float[_settings.Hidden1];
        _gh2 = new float[_settings.Hidden2];
        _foldBias1 = new float[_settings.Hidden1];
        _w2T = new float[_settings.Hidden1 * _settings.Hidden2];
        _w3T = new float[_settings.Hidden2 * TaskPredictions.Count];
    }

    /// <summary>Length of the input vector.</summary>
    public int InputDimension { get; }

    /// <summary>Trainable parameters.</summary>
    public int ParameterCount => _layer1.ParameterCount + _layer2.ParameterCount + _heads.ParameterCount;

    /// <summary>Predicts every task for the input <paramref name="x"/>.</summary>
    public TaskPredictions Predict(ReadOnlySpan<float> x)
    {
        Forward(x);
        return new TaskPredictions(Sigmoid(_z[0]), Sigmoid(_z[1]), Sigmoid(_z[2]), Sigmoid(_z[3]), Sigmoid(_z[4]), Math.Max(0f, _z[5]));
    }

    /// <summary>
    /// Predicts every task for <paramref name="rows"/> inputs stored row after row in <paramref name="xs"/>, one layer
    /// at a time over the whole batch (the same arithmetic as <see cref="Predict"/>). Scratch grows to the largest
    /// batch seen and is reused, so a steady stream of feeds allocates nothing.
    /// </summary>
    public void PredictBatch(ReadOnlySpan<float> xs, int rows, Span<TaskPredictions> output)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (xs.Length < rows * InputDimension || output.Length < rows)
        {
            throw new ArgumentException($"{rows} rows need {rows * InputDimension} inputs and {rows} outputs (got {xs.Length} and {output.Length}).", nameof(xs));
        }

        if (_batchH1.Length < rows * _settings.Hidden1)
        {
            _batchH1 = new float[rows * _settings.Hidden1];
            _batchH2 = new float[rows * _settings.Hidden2];
            _batchZ = new float[rows * TaskPredictions.Count];
        }

        var h1 = _batchH1.AsSpan(0, rows * _settings.Hidden1);
        var h2 = _batchH2.AsSpan(0, rows * _settings.Hidden2);
        var z = _batchZ.AsSpan(0, rows * TaskPredictions.Count);
        _layer1.ForwardBatch(xs, rows, h1);
        TensorPrimitives.Max(h1, 0f, h1);
        _layer2.ForwardBatch(h1, rows, h2);
        TensorPrimitives.Max(h2, 0f, h2);
        _heads.ForwardBatch(h2, rows, z);
        for (var r = 0; r < rows; r++)
        {
            var o = z.Slice(r * TaskPredictions.Count, TaskPredictions.Count);
            output[r] = new TaskPredictions(Sigmoid(o[0]), Sigmoid(o[1]), Sigmoid(o[2]), Sigmoid(o[3]), Sigmoid(o[4]), Math.Max(0f, o[5]));
        }
    }

    /// <summary>
    /// Predicts every task for <paramref name="rows"/> candidates of one feed whose inputs are
    /// <see cref="FeatureBuilder.Build"/>'s vectors: <paramref name="shared"/> (<see cref="FeatureBuilder.BuildShared"/>)
    /// plus each candidate's item part (<see cref="FeatureBuilder.BuildItem"/>, stored row after row in
    /// <paramref name="items"/>) placed per <paramref name="layout"/>, with the user⊙video product of
    /// <paramref name="user"/>. The same function as <see cref="PredictBatch"/> on the built vectors (up to float
    /// rounding), at a fraction of the cost.
    /// <para>
    /// <b>Why it is the same.</b> The first layer is linear: W·x = W·shared + W_video·v + W_product·(u⊙v) + W_sparse·s,
    /// and W_product·(u⊙v) = (W_product·diag(u))·v. So W·shared + b is computed once per feed, and the per-candidate
    /// matrix shrinks from the whole input width to [W_video + W_product·diag(u) | W_sparse], folded (and stored
    /// transposed, for <see cref="DenseKernels.MultiplyAccumulate"/>) once per feed. The layers after it run on the
    /// transposes of their weights, also taken once per call.
    /// </para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PredictFolded(ReadOnlySpan<float> shared, ReadOnlySpan<float> user, in FeatureLayout layout, ReadOnlySpan<float> items, int rows, Span<TaskPredictions> output)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        var e = layout.EmbeddingDimension;
        var itemDim = e + layout.SparseDimension;
        if (shared.Length != InputDimension || user.Length != e || items.Length < rows * itemDim || output.Length < rows
            || layout.VideoOffset + e > InputDimension || layout.ProductOffset + e > InputDimension || layout.SparseOffset + layout.SparseDimension > InputDimension)
        {
            throw new ArgumentException($"{rows} rows need a shared input of {InputDimension}, a user of {e}, {rows * itemDim} item floats and {rows} outputs "
                + $"(got {shared.Length}, {user.Length}, {items.Length} and {output.Length}), and the layout must fit the input.", nameof(shared));
        }

        var h1Units = _settings.Hidden1;
        var h2Units = _settings.Hidden2;
        var heads = TaskPredictions.Count;
        if (_foldT.Length < itemDim * h1Units)
        {
            _foldT = new float[itemDim * h1Units];
        }

        // Per feed: the shared part through layer 1, the folded per-candidate matrix, the transposes of the later layers.
        var bias1 = _foldBias1;
        _layer1.Forward(shared, bias1);
        var w1 = _layer1.Weights;
        var foldT = _foldT.AsSpan(0, itemDim * h1Units);
        for (var j = 0; j < h1Units; j++)
        {
            var w = w1.Slice(j * InputDimension, InputDimension);
            var video = w.Slice(layout.VideoOffset, e);
            var product = w.Slice(layout.ProductOffset, e);
            for (var i = 0; i < e; i++)
            {
                foldT[(i * h1Units) + j] = video[i] + (product[i] * user[i]);
            }

            var sparse = w.Slice(layout.SparseOffset, layout.SparseDimension);
            for (var i = 0; i < sparse.Length; i++)
            {
                foldT[((e + i) * h1Units) + j] = sparse[i];
            }
        }

        DenseKernels.Transpose(_layer2.Weights, h2Units, h1Units, _w2T);
        DenseKernels.Transpose(_heads.Weights, heads, h2Units, _w3T);
        for (var r = 0; r < rows; r++)
        {
            bias1.CopyTo(_h1, 0);
            DenseKernels.MultiplyAccumulate(items.Slice(r * itemDim, itemDim), foldT, _h1);
            Relu(_h1);
            _layer2.Bias.CopyTo(_h2);
            DenseKernels.MultiplyAccumulate(_h1, _w2T, _h2);
            Relu(_h2);
            _heads.Bias.CopyTo(_z);
            DenseKernels.MultiplyAccumulate(_h2, _w3T, _z);
            output[r] = new TaskPredictions(Sigmoid(_z[0]), Sigmoid(_z[1]), Sigmoid(_z[2]), Sigmoid(_z[3]), Sigmoid(_z[4]), Math.Max(0f, _z[5]));
        }
    }

    /// <summary>Writes the shape and every layer's parameters and Adagrad state (checkpoints).</summary>
    internal void WriteState(BinaryWriter writer)
    {
        writer.Write(InputDimension);
        writer.Write(_settings.Hidden1);
        writer.Write(_settings.Hidden2);
        _layer1.WriteState(writer);
        _layer2.WriteState(writer);
        _heads.WriteState(writer);
    }

    /// <summary>Reads what <see cref="WriteState"/> wrote (the shape must match); returns the step that applies it.</summary>
    internal Action ReadState(BinaryReader reader)
    {
        Checkpoints.StateIO.Expect(reader, InputDimension, "the ranker's input dimension");
        Checkpoints.StateIO.Expect(reader, _settings.Hidden1, "model.hidden1");
        Checkpoints.StateIO.Expect(reader, _settings.Hidden2, "model.hidden2");
        var layer1 = _layer1.ReadState(reader, "layer 1");
        var layer2 = _layer2.ReadState(reader, "layer 2");
        var heads = _heads.ReadState(reader, "the heads");
        return () =>
        {
            layer1();
            layer2();
            heads();
        };
    }

    /// <summary>The training loss of one example without learning from it.</summary>
    public float Loss(ReadOnlySpan<float> x, in TaskLabels labels)
    {
        Forward(x);
        return LossAndOutputGradient(labels);
    }

    /// <summary>
    /// One Adagrad step on one example. Writes dLoss/dx into <paramref name="inputGradient"/> (when not empty) so
    /// the caller can train the embeddings the input was built from; returns the loss before the step.
    /// </summary>
    public float Train(ReadOnlySpan<float> x, in TaskLabels labels, Span<float> inputGradient) => Train(x, labels, inputGradient, out _);

    /// <summary>
    /// <see cref="Train(ReadOnlySpan{float}, in TaskLabels, Span{float})"/>, also returning the predictions of the
    /// forward pass the step starts from (what <see cref="Predict"/> said for <paramref name="x"/> before the step),
    /// so a caller that wants both pays for one forward pass.
    /// </summary>
    public float Train(ReadOnlySpan<float> x, in TaskLabels labels, Span<float> inputGradient, out TaskPredictions before)
    {
        if (!inputGradient.IsEmpty && inputGradient.Length != InputDimension)
        {
            throw new ArgumentException($"inputGradient has length {inputGradient.Length}, expected {InputDimension}.", nameof(inputGradient));
        }

        Forward(x);
        before = new TaskPredictions(Sigmoid(_z[0]), Sigmoid(_z[1]), Sigmoid(_z[2]), Sigmoid(_z[3]), Sigmoid(_z[4]), Math.Max(0f, _z[5]));
        var loss = LossAndOutputGradient(labels);
        var lr = _settings.LearningRate;
        Array.Clear(_gh2);
        _heads.Backward(_h2, _gz, _gh2, lr);
        ReluBackward(_h2, _gh2);
        Array.Clear(_gh1);
        _layer2.Backward(_h1, _gh2, _gh1, lr);
        ReluBackward(_h1, _gh1);
        inputGradient.Clear();
        _layer1.Backward(x, _gh1, inputGradient, lr);
        return loss;
    }

    /// <summary>dLoss/dx at the current parameters, without learning (for gradient checks).</summary>
    internal void TrainForGradientCheck(ReadOnlySpan<float> x, in TaskLabels labels, Span<float> inputGradient)
    {
        Forward(x);
        LossAndOutputGradient(labels);
        Array.Clear(_gh2);
        _heads.Backward(_h2, _gz, _gh2, 0f);
        ReluBackward(_h2, _gh2);
        Array.Clear(_gh1);
        _layer2.Backward(_h1, _gh2, _gh1, 0f);
        ReluBackward(_h1, _gh1);
        inputGradient.Clear();
        _layer1.Backward(x, _gh1, inputGradient, 0f);
    }

    private void Forward(ReadOnlySpan<float> x)
    {
        if (x.Length != InputDimension)
        {
            throw new ArgumentException($"Input has length {x.Length}, the model expects {InputDimension}.", nameof(x));
        }

        _layer1.Forward(x, _h1);
        Relu(_h1);
        _layer2.Forward(_h1, _h2);
        Relu(_h2);
        _heads.Forward(_h2, _z);
    }

    /// <summary>Sum of the task losses; leaves dLoss/dz in <c>_gz</c>.</summary>
    private float LossAndOutputGradient(in TaskLabels labels)
    {
        var mask = labels.Mask;
        var loss = 0f;
        loss += LogLoss(0, labels.Completed, (mask & TaskMask.Completion) != 0);
        loss += LogLoss(1, labels.Liked, (mask & TaskMask.Like) != 0);
        loss += LogLoss(2, labels.Shared, (mask & TaskMask.Share) != 0);
        loss += LogLoss(3, labels.Followed, (mask & TaskMask.Follow) != 0);
        loss += LogLoss(4, labels.Skipped, (mask & TaskMask.Skip) != 0);
        if ((mask & TaskMask.WatchRatio) == 0)
        {
            _gz[5] = 0f;
            return loss;
        }

        var target = Math.Clamp(float.IsFinite(labels.WatchRatio) ? labels.WatchRatio : 0f, 0f, _settings.MaxWatchRatio);
        var error = _z[5] - target;
        _gz[5] = _settings.WatchRatioLossWeight * error;
        return loss + (0.5f * _settings.WatchRatioLossWeight * error * error);
    }

    private float LogLoss(int head, bool label, bool taught)
    {
        if (!taught)
        {
            _gz[head] = 0f;
            return 0f;
        }

        var z = _z[head];
        var p = Sigmoid(z);
        _gz[head] = p - (label ? 1f : 0f);

        // log(1 + e^-|z|) + max(z, 0) - z·y is the numerically stable form of the logistic loss.
        return MathF.Log(1f + MathF.Exp(-MathF.Abs(z))) + MathF.Max(z, 0f) - (label ? z : 0f);
    }

    private static float Sigmoid(float z) => 1f / (1f + MathF.Exp(-z));

    private static void Relu(Span<float> h)
    {
        for (var i = 0; i < h.Length; i++)
        {
            h[i] = MathF.Max(h[i], 0f);
        }
    }

    private static void ReluBackward(ReadOnlySpan<float> activation, Span<float> gradient)
    {
        for (var i = 0; i < gradient.Length; i++)
        {
            if (activation[i] <= 0f)
            {
                gradient[i] = 0f;
            }
        }
    }
}
