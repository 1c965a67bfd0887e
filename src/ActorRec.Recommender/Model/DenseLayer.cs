using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using ActorRec.Recommender.Checkpoints;

namespace ActorRec.Recommender.Model;

/// <summary>
/// A fully connected layer z = W x + b trained by Adagrad, one example at a time. Row j of W is contiguous, so the
/// forward pass is one SIMD dot per output and the update one fused pass per row.
/// </summary>
internal sealed class DenseLayer
{
    private readonly float[] _weights;
    private readonly float[] _bias;
    private readonly float[] _weightAcc;
    private readonly float[] _biasAcc;

    public DenseLayer(int inputs, int outputs, Random random, float initialAccumulator)
    {
        Inputs = inputs;
        Outputs = outputs;
        _weights = new float[inputs * outputs];
        _bias = new float[outputs];
        _weightAcc = new float[inputs * outputs];
        _biasAcc = new float[outputs];
        Array.Fill(_weightAcc, initialAccumulator);
        Array.Fill(_biasAcc, initialAccumulator);

        // He initialisation (uniform with the same variance) suits the ReLU layers that follow.
        var limit = MathF.Sqrt(6f / inputs);
        for (var i = 0; i < _weights.Length; i++)
        {
            _weights[i] = (float)((random.NextDouble() * 2.0) - 1.0) * limit;
        }
    }

    public int Inputs { get; }

    public int Outputs { get; }

    public int ParameterCount => _weights.Length + _bias.Length;

    internal Span<float> Weights => _weights;

    internal Span<float> Bias => _bias;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Forward(ReadOnlySpan<float> x, Span<float> z)
    {
        for (var j = 0; j < Outputs; j++)
        {
            z[j] = TensorPrimitives.Dot(_weights.AsSpan(j * Inputs, Inputs), x) + _bias[j];
        }
    }

    /// <summary>
    /// Z = X Wᵀ + b for <paramref name="rows"/> inputs stored row after row in <paramref name="xs"/>; unit-major so
    /// each weight row stays in cache while it meets every input.
    /// </summary>
    public void ForwardBatch(ReadOnlySpan<float> xs, int rows, Span<float> zs)
    {
        for (var j = 0; j < Outputs; j++)
        {
            var w = _weights.AsSpan(j * Inputs, Inputs);
            var b = _bias[j];
            for (var r = 0; r < rows; r++)
            {
                zs[(r * Outputs) + j] = TensorPrimitives.Dot(w, xs.Slice(r * Inputs, Inputs)) + b;
            }
        }
    }

    /// <summary>
    /// Adds Wᵀ gz to <paramref name="gx"/> (when not empty), then applies the Adagrad step for gz xᵀ: one sweep per
    /// unit with a non-zero gradient (<see cref="AdagradKernels.BackwardRow"/>).
    /// </summary>
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> gz, Span<float> gx, float learningRate)
    {
        for (var j = 0; j < Outputs; j++)
        {
            var g = gz[j];
            if (g == 0f)
            {
                continue;
            }

            AdagradKernels.BackwardRow(x, g, learningRate, _weights.AsSpan(j * Inputs, Inputs), _weightAcc.AsSpan(j * Inputs, Inputs), gx);
            _biasAcc[j] += g * g;
            _bias[j] -= learningRate * g / MathF.Sqrt(_biasAcc[j]);
        }
    }

    /// <summary>Writes the weights, biases and Adagrad accumulators (checkpoints).</summary>
    internal void WriteState(BinaryWriter writer)
    {
        StateIO.WriteFloats(writer, _weights);
        StateIO.WriteFloats(writer, _bias);
        StateIO.WriteFloats(writer, _weightAcc);
        StateIO.WriteFloats(writer, _biasAcc);
    }

    /// <summary>Reads what <see cref="WriteState"/> wrote, checked against this layer's shape; returns the step that applies it.</summary>
    internal Action ReadState(BinaryReader reader, string what)
    {
        var weights = StateIO.ReadFloats(reader, _weights.Length, what + " weights");
        var bias = StateIO.ReadFloats(reader, _bias.Length, what + " biases");
        var weightAcc = StateIO.ReadFloats(reader, _weightAcc.Length, what + " weight accumulators");
        var biasAcc = StateIO.ReadFloats(reader, _biasAcc.Length, what + " bias accumulators");
        return () =>
        {
            weights.CopyTo(_weights, 0);
            bias.CopyTo(_bias, 0);
            weightAcc.CopyTo(_weightAcc, 0);
            biasAcc.CopyTo(_biasAcc, 0);
        };
    }
}
