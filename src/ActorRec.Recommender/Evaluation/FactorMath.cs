using System.Numerics.Tensors;

namespace ActorRec.Recommender.Evaluation;

/// <summary>Shared pieces of the matrix-factorisation models: initialisation, the BPR step, full scoring.</summary>
internal static class FactorMath
{
    public static float[] RandomMatrix(int rows, int dimension, float scale, Random random)
    {
        var m = new float[rows * dimension];
        for (var i = 0; i < m.Length; i++)
        {
            m[i] = (float)((random.NextDouble() - 0.5) * 2.0 * scale);
        }

        return m;
    }

    /// <summary>
    /// One BPR step (Rendle et al.) on (user, positive, negative): raise s(u,i) - s(u,j) through its log-sigmoid,
    /// with L2 regularisation. <paramref name="scratch"/> holds a copy of the user row (length = dimension).
    /// </summary>
    public static void BprStep(Span<float> user, Span<float> positive, Span<float> negative, ref float positiveBias, ref float negativeBias, float learningRate, float regularization, Span<float> scratch)
    {
        var x = TensorPrimitives.Dot(user, positive) - TensorPrimitives.Dot(user, negative) + positiveBias - negativeBias;
        var g = 1f / (1f + MathF.Exp(x)); // d/dx log σ(x) = σ(-x)
        user.CopyTo(scratch);

        // user += lr * (g * (p - n) - reg * user)
        for (var d = 0; d < user.Length; d++)
        {
            var p = positive[d];
            var n = negative[d];
            user[d] += learningRate * ((g * (p - n)) - (regularization * user[d]));
            positive[d] += learningRate * ((g * scratch[d]) - (regularization * p));
            negative[d] += learningRate * ((-g * scratch[d]) - (regularization * n));
        }

        positiveBias += learningRate * (g - (regularization * positiveBias));
        negativeBias += learningRate * (-g - (regularization * negativeBias));
    }

    /// <summary>scores[i] = items[i] · user + bias[i] for every item.</summary>
    public static void ScoreAll(ReadOnlySpan<float> items, ReadOnlySpan<float> bias, ReadOnlySpan<float> user, Span<float> scores)
    {
        var dimension = user.Length;
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = TensorPrimitives.Dot(items.Slice(i * dimension, dimension), user) + bias[i];
        }
    }
}
