using System.Numerics.Tensors;

namespace ActorRec.Recommender.Ann;

/// <summary>The vector checks and normalisation every index applies to what it stores and to queries.</summary>
internal static class AnnVectors
{
    /// <summary>
    /// A checked copy of <paramref name="vector"/> to store: length <paramref name="dimension"/>, finite components,
    /// and for cosine non-zero and scaled to unit length. Errors name <paramref name="paramName"/>.
    /// </summary>
    public static float[] Prepare(ReadOnlySpan<float> vector, int dimension, AnnMetric metric, string paramName)
    {
        if (vector.Length != dimension)
        {
            throw new ArgumentException($"vector has length {vector.Length}, the index dimension is {dimension}.", paramName);
        }

        for (var i = 0; i < vector.Length; i++)
        {
            if (!float.IsFinite(vector[i]))
            {
                throw new ArgumentException($"vector[{i}] is {vector[i]}; every component must be finite.", paramName);
            }
        }

        var copy = vector.ToArray();
        if (metric == AnnMetric.Cosine)
        {
            if (TensorPrimitives.Norm(copy) == 0f)
            {
                throw new ArgumentException("A zero vector has no direction; cosine needs a non-zero vector.", paramName);
            }

            Normalize(copy);
        }

        return copy;
    }

    /// <summary>Scales <paramref name="v"/> to unit length in place (a zero vector stays zero).</summary>
    public static void Normalize(Span<float> v)
    {
        var norm = TensorPrimitives.Norm(v);
        if (norm > 0f)
        {
            TensorPrimitives.Divide(v, norm, v);
        }
    }
}
