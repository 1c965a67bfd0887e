using System.Numerics.Tensors;
using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Learning;

/// <summary>
/// The per-event online learning rule: one SGD step of a weighted logistic loss on the dot product of the user and
/// video embeddings, with sampled negatives.
/// <para>
/// For user vector u, video vector v, label y ∈ {0, 1} and weight w from <see cref="EngagementSignal"/>, and
/// (only when y = 1) k sampled negative videos n₁…n_k supplied by the caller, the loss is
/// <c>L = w·ℓ(y, u·v) + Σⱼ w_neg·ℓ(0, u·nⱼ) + λ/2·(‖u‖² + ‖v‖²)</c>, with
/// <c>ℓ(y, s) = −y·log σ(s) − (1−y)·log(1−σ(s))</c>, so <c>∂ℓ/∂s = σ(s) − y</c>. One step, both from the
/// pre-update vectors:
/// <c>u ← u − η_u·[ w·(σ(u·v) − y)·v + Σⱼ w_neg·σ(u·nⱼ)·nⱼ + λ·u ]</c> and
/// <c>v ← v − η_v·[ w·(σ(u·v) − y)·u + λ·v ]</c>; negatives are read, never written.
/// After the step each vector is projected back into the ball ‖x‖ ≤ max-norm.
/// </para>
/// <para>
/// Label weights (defaults, settings <c>actorrec.feed.learning</c>): a view is positive with weight
/// 0.5·min(ratio, 1) + 1.0 if completed (ratio ≥ 0.95 or a replay) + 0.5 per replay (≤ 3); like 2, comment 2.5,
/// share 3, follow 4; negatives: a view under 10 % watched 0.3, skip 1, not-interested 3; every weight is capped at
/// max-event-weight (8).
/// </para>
/// <para>
/// Stability: inputs are first scaled into the max-norm ball (scaling by the largest magnitude first, so norms
/// of huge vectors do not overflow), hence |u·v| ≤ max-norm² and every gradient term is bounded; σ is evaluated in
/// its two stable branches; the gradient factor σ − y lies in [−1, 1]. Non-finite inputs are rejected.
/// </para>
/// </summary>
public static class LearningRule
{
    /// <summary>Numerically stable logistic function.</summary>
    public static float Sigmoid(float x)
    {
        if (x >= 0)
        {
            var z = MathF.Exp(-x);
            return 1f / (1f + z);
        }

        var e = MathF.Exp(x);
        return e / (1f + e);
    }

    /// <summary>Stable ℓ(y, s) for y ∈ {0, 1}: log(1 + e^{−s}) for y = 1, log(1 + e^{s}) for y = 0.</summary>
    public static float Loss(float label, float score)
    {
        var t = label > 0.5f ? -score : score;
        return t > 0 ? t + MathF.Log(1f + MathF.Exp(-t)) : MathF.Log(1f + MathF.Exp(t));
    }

    /// <summary>
    /// Updates <paramref name="user"/> in place (the u-step above) and returns the event's loss before the step.
    /// <paramref name="negatives"/> holds k row vectors back to back (length k·dim); they are ignored when the
    /// signal is negative.
    /// </summary>
    public static float UpdateUser(Span<float> user, ReadOnlySpan<float> video, ReadOnlySpan<float> negatives, in EngagementSignal signal, LearningSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var dim = user.Length;
        CheckShapes(dim, video.Length, negatives.Length);
        RequireFinite(user, nameof(user));
        RequireFinite(video, nameof(video));
        RequireFinite(negatives, nameof(negatives));

        ProjectToBall(user, s.MaxNorm);
        var videoScale = BallScale(video, s.MaxNorm);
        var score = TensorPrimitives.Dot(user, video) * videoScale;
        var loss = signal.Weight * Loss(signal.Label, score);
        var posFactor = signal.Weight * (Sigmoid(score) - signal.Label) * videoScale;

        var k = signal.IsPositive && dim > 0 ? negatives.Length / dim : 0;
        Span<float> negFactors = k <= 256 ? stackalloc float[k] : new float[k];
        for (var j = 0; j < k; j++)
        {
            var n = negatives.Slice(j * dim, dim);
            var scale = BallScale(n, s.MaxNorm);
            var sj = TensorPrimitives.Dot(user, n) * scale;
            loss += s.SampledNegativeWeight * Loss(0f, sj);
            negFactors[j] = s.SampledNegativeWeight * Sigmoid(sj) * scale;
        }

        var lr = s.UserLearningRate;
        TensorPrimitives.Multiply(user, 1f - (lr * s.L2), user);
        TensorPrimitives.MultiplyAdd(video, -lr * posFactor, user, user);
        for (var j = 0; j < k; j++)
        {
            TensorPrimitives.MultiplyAdd(negatives.Slice(j * dim, dim), -lr * negFactors[j], user, user);
        }

        ProjectToBall(user, s.MaxNorm);
        return loss;
    }

    /// <summary>Updates <paramref name="video"/> in place from the user's pre-update vector (the v-step above).</summary>
    public static void UpdateVideo(Span<float> video, ReadOnlySpan<float> user, in EngagementSignal signal, LearningSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        CheckShapes(video.Length, user.Length, 0);
        RequireFinite(video, nameof(video));
        RequireFinite(user, nameof(user));
        ProjectToBall(video, s.MaxNorm);
        var userScale = BallScale(user, s.MaxNorm);
        var score = TensorPrimitives.Dot(user, video) * userScale;
        var factor = signal.Weight * (Sigmoid(score) - signal.Label) * userScale;
        var lr = s.VideoLearningRate;
        TensorPrimitives.Multiply(video, 1f - (lr * s.L2), video);
        TensorPrimitives.MultiplyAdd(user, -lr * factor, video, video);
        ProjectToBall(video, s.MaxNorm);
    }

    /// <summary>The full step on copies: returns the updated user and video vectors and the loss before the step.</summary>
    public static (float[] User, float[] Video, float Loss) Step(ReadOnlySpan<float> user, ReadOnlySpan<float> video, ReadOnlySpan<float> negatives, in EngagementSignal signal, LearningSettings s)
    {
        var u = user.ToArray();
        var v = video.ToArray();
        var loss = UpdateUser(u, video, negatives, signal, s);
        UpdateVideo(v, user, signal, s);
        return (u, v, loss);
    }

    /// <summary>Scales <paramref name="v"/> in place so that ‖v‖ ≤ <paramref name="maxNorm"/>; overflow-safe.</summary>
    public static void ProjectToBall(Span<float> v, float maxNorm)
    {
        var scale = BallScale(v, maxNorm);
        if (scale < 1f)
        {
            TensorPrimitives.Multiply(v, scale, v);
        }
    }

    /// <summary>The factor (≤ 1) that brings <paramref name="v"/> into the max-norm ball.</summary>
    public static float BallScale(ReadOnlySpan<float> v, float maxNorm)
    {
        if (v.IsEmpty)
        {
            return 1f;
        }

        // Fast path (every vector this engine holds): one SIMD sum of squares in float. It is exact enough (relative
        // error ~1e-6) wherever the sum is a normal float far from overflow; anything else (huge, tiny, zero or
        // non-finite elements) takes the overflow-safe path below.
        var sumOfSquares = TensorPrimitives.SumOfSquares(v);
        if (sumOfSquares is > 1e-30f and < 1e30f)
        {
            var n = MathF.Sqrt(sumOfSquares);
            return n <= maxNorm ? 1f : maxNorm / n;
        }

        var maxAbs = MathF.Abs(TensorPrimitives.MaxMagnitude(v));
        if (maxAbs == 0f)
        {
            return 1f;
        }

        // ‖v‖ = maxAbs·‖v / maxAbs‖, and the inner norm is in [1, √dim]: no overflow, no underflow to zero.
        double sum = 0;
        foreach (var x in v)
        {
            var y = (double)x / maxAbs;
            sum += y * y;
        }

        var norm = maxAbs * Math.Sqrt(sum);
        return norm <= maxNorm ? 1f : (float)(maxNorm / norm);
    }

    private static void CheckShapes(int dim, int otherLength, int negativesLength)
    {
        if (dim == 0 || otherLength != dim)
        {
            throw new ArgumentException($"vectors must have the same non-zero length (got {dim} and {otherLength})");
        }

        if (negativesLength % dim != 0)
        {
            throw new ArgumentException($"negatives length {negativesLength} is not a multiple of the dimension {dim}");
        }
    }

    private static void RequireFinite(ReadOnlySpan<float> v, string name)
    {
        for (var i = 0; i < v.Length; i++)
        {
            if (!float.IsFinite(v[i]))
            {
                throw new ArgumentException($"{name}[{i}] is {v[i]}; embeddings must be finite", name);
            }
        }
    }
}
