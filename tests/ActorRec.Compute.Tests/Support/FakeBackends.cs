using ActorRec.Compute.Cpu;

namespace ActorRec.Compute.Tests.Support;

/// <summary>
/// A "GPU" that computes correctly (by delegating to the CPU backend) until <see cref="FailFromCall"/> calls have
/// been made, then throws like a faulted device would. Counts calls and disposal.
/// </summary>
internal sealed class FaultInjectingBackend(int failFromCall, Exception? fault = null) : IScoringBackend
{
    private readonly CpuScoringBackend _inner = new(ComputeSettings.Default);
    private int _calls;

    public int FailFromCall { get; } = failFromCall;

    public int Calls => _calls;

    public bool Disposed { get; private set; }

    public string Name => "fake-gpu";

    public void ScoreShared(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, Span<float> scores)
    {
        ScoringArgs.CheckShared(queries, batch, table, candidateRows, scores);
        Tick();
        scores.Fill(float.NaN); // a faulted device may leave garbage behind; the fallback must overwrite it
        _inner.ScoreShared(queries, batch, table, candidateRows, scores);
    }

    public void ScoreGathered(ReadOnlySpan<float> queries, int batch, IEmbeddingTable table, ReadOnlySpan<int> candidateRows, int candidatesPerQuery, Span<float> scores)
    {
        ScoringArgs.CheckGathered(queries, batch, table, candidateRows, candidatesPerQuery, scores);
        Tick();
        _inner.ScoreGathered(queries, batch, table, candidateRows, candidatesPerQuery, scores);
    }

    public void Gemm(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n)
    {
        Tick();
        _inner.Gemm(a, b, c, m, k, n);
    }

    public void Dense(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> output, int m, int k, int n, Activation activation)
    {
        Tick();
        _inner.Dense(input, weights, bias, output, m, k, n, activation);
    }

    public void AddBias(Span<float> matrix, ReadOnlySpan<float> bias, int rows, int columns)
    {
        Tick();
        _inner.AddBias(matrix, bias, rows, columns);
    }

    public void Relu(Span<float> values)
    {
        Tick();
        _inner.Relu(values);
    }

    public void Sigmoid(Span<float> values)
    {
        Tick();
        _inner.Sigmoid(values);
    }

    public int TopK(ReadOnlySpan<float> query, IEmbeddingTable table, int k, Span<int> rows, Span<float> scores)
    {
        Tick();
        return _inner.TopK(query, table, k, rows, scores);
    }

    public void Dispose() => Disposed = true;

    private void Tick()
    {
        if (Interlocked.Increment(ref _calls) >= FailFromCall)
        {
            throw fault ?? new Cuda.CudaException("cuLaunchKernel(score_shared)", 700, "an illegal memory access was encountered");
        }
    }
}
