using Microsoft.Extensions.Logging;

namespace ActorRec.Compute;

/// <summary>
/// Runs every call on a primary (GPU) backend; the first call that throws anything other than an argument error
/// is logged and repeated on the fallback (CPU) backend, and from then on every call goes to the fallback. A GPU
/// fault therefore costs one error line and some speed, never a failed feed. The primary is disposed at the
/// switch (a faulted CUDA context is not worth keeping).
/// </summary>
/// <remarks>
/// Argument errors (<see cref="ArgumentException"/>) are the caller's bug and are rethrown, not treated as GPU
/// faults: every backend checks arguments identically before touching the device.
/// </remarks>
public sealed class FallbackScoringBackend : IScoringBackend
{
    private readonly IScoringBackend _fallback;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private IScoringBackend? _primary;

    public FallbackScoringBackend(IScoringBackend primary, IScoringBackend fallback, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(fallback);
        ArgumentNullException.ThrowIfNull(logger);
        _primary = primary;
        _fallback = fallback;
        _logger = logger;
    }

    /// <summary>True once a primary call failed and the fallback took over.</summary>
    public bool Degraded => Volatile.Read(ref _primary) is null;

    public string Name => Volatile.Read(ref _primary) is { } primary ? $"{primary.Name} (falls back to {_fallback.Name})" : $"{_fallback.Name} (degraded from GPU)";

    public void ScoreShared(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, Span<float> scores)
    {
        var primary = Volatile.Read(ref _primary);
        if (primary is not null)
        {
            try
            {
                primary.ScoreShared(queries, batch, table, candidateRows, scores);
                return;
            }
            catch (Exception e) when (e is not ArgumentException)
            {
                Degrade(primary, e, nameof(ScoreShared));
            }
        }

        _fallback.ScoreShared(queries, batch, table, candidateRows, scores);
    }

    public void ScoreGathered(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, int candidatesPerQuery, Span<float> scores)
    {
        var primary = Volatile.Read(ref _primary);
        if (primary is not null)
        {
            try
            {
                primary.ScoreGathered(queries, batch, table, candidateRows, candidatesPerQuery, scores);
                return;
            }
            catch (Exception e) when (e is not ArgumentException)
            {
                Degrade(primary, e, nameof(ScoreGathered));
            }
        }

        _fallback.ScoreGathered(queries, batch, table, candidateRows, candidatesPerQuery, scores);
    }

    public void Gemm(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        var primary = Volatile.Read(ref _primary);
        if (primary is not null)
        {
            try
            {
                primary.Gemm(a, b, c, m, k, n);
                return;
            }
            catch (Exception e) when (e is not ArgumentException)
            {
                Degrade(primary, e, nameof(Gemm));
            }
        }

        _fallback.Gemm(a, b, c, m, k, n);
    }

    public void Dense(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output, int m, int k, int n, Activation activation)
    {
        var primary = Volatile.Read(ref _primary);
        if (primary is not null)
        {
            try
            {
                primary.Dense(input, weights, bias, output, m, k, n, activation);
                return;
            }
            catch (Exception e) when (e is not ArgumentException)
            {
                Degrade(primary, e, nameof(Dense));
            }
        }

        _fallback.Dense(input, weights, bias, output, m, k, n, activation);
    }

    public void AddBias(Span<float> matrix, ReadOnlySpan<float> bias, int rows, int columns)
    {
        var primary = Volatile.Read(ref _primary);
        if (primary is not null)
        {
            try
            {
                primary.AddBias(matrix, bias, rows, columns);
                return;
            }
            catch (Exception e) when (e is not ArgumentException)
            {
                Degrade(primary, e, nameof(AddBias));
            }
        }

        _fallback.AddBias(matrix, bias, rows, columns);
    }

    public void Relu(Span<float> values)
    {
        var primary = Volatile.Read(ref _primary);
        if (primary is not null)
        {
            try
            {
                primary.Relu(values);
                return;
            }
            catch (Exception e) when (e is not ArgumentException)
            {
                Degrade(primary, e, nameof(Relu));
            }
        }

        _fallback.Relu(values);
    }

    public void Sigmoid(Span<float> values)
    {
        var primary = Volatile.Read(ref _primary);
        if (primary is not null)
        {
            try
            {
                primary.Sigmoid(values);
                return;
            }
            catch (Exception e) when (e is not ArgumentException)
            {
                Degrade(primary, e, nameof(Sigmoid));
            }
        }

        _fallback.Sigmoid(values);
    }

    public int TopK(ReadOnlySpan<float> query, IEmbeddingTable table, int k, Span<int> rows, Span<float> scores)
    {
        var primary = Volatile.Read(ref _primary);
        if (primary is not null)
        {
            try
            {
                return primary.TopK(query, table, k, rows, scores);
            }
            catch (Exception e) when (e is not ArgumentException)
            {
                Degrade(primary, e, nameof(TopK));
            }
        }

        return _fallback.TopK(query, table, k, rows, scores);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _primary?.Dispose();
            _primary = null;
        }

        _fallback.Dispose();
    }

    private void Degrade(IScoringBackend failed, Exception error, string operation)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_primary, failed))
            {
                return; // another thread already switched
            }

            ComputeLog.GpuFailed(_logger, error, operation, failed.Name, _fallback.Name);
            Volatile.Write(ref _primary, null);
        }

        try
        {
            failed.Dispose();
        }
        catch (Exception e)
        {
            ComputeLog.DisposeFailed(_logger, e, failed.Name);
        }
    }
}
