using System.Runtime.CompilerServices;
using ActorRec.Recommender.Videos;

namespace ActorRec.Recommender.Catalog;

/// <summary>
/// Batched reads for ranking. A feed ranks a few hundred rows scattered over the whole catalog, so reading their
/// statistics is a few hundred cache misses per array: <see cref="GatherStats"/> issues every load first, in a loop
/// that does nothing else, so the processor keeps many misses in flight, and only then does the arithmetic. The
/// values are exactly <see cref="Stats"/>'s, row by row.
/// </summary>
public sealed partial class VideoCatalog
{
    /// <summary>
    /// <see cref="Stats"/> of every row in <paramref name="rows"/>: views, completions and velocity decayed to
    /// <paramref name="now"/>, written at the row's position in the three outputs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void GatherStats(ReadOnlySpan<int> rows, DateTimeOffset now, TimeSpan velocityHalfLife, Span<float> views, Span<float> completions, Span<float> velocity)
    {
        if (views.Length < rows.Length || completions.Length < rows.Length || velocity.Length < rows.Length)
        {
            throw new ArgumentException($"{rows.Length} rows need {rows.Length} slots in views, completions and velocity (got {views.Length}, {completions.Length}, {velocity.Length}).", nameof(views));
        }

        var s = _storage;
        var count = s.Count;
        var at = rows.Length <= 512 ? stackalloc long[rows.Length] : new long[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            if ((uint)row >= (uint)count)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), row, $"catalog has {count} rows");
            }

            views[i] = s.Views[row];
            completions[i] = s.Completions[row];
            velocity[i] = s.Velocity[row];
            at[i] = Volatile.Read(ref s.VelocityAt[row]);
        }

        for (var i = 0; i < rows.Length; i++)
        {
            velocity[i] = VideoState.DecayVelocity(velocity[i], at[i], now, velocityHalfLife);
        }
    }
}
