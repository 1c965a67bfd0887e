namespace ActorRec.Recommender.Ann;

/// <summary>
/// Per-thread search state of <see cref="IvfIndex"/>: the normalised query and its int8 code, the probe list, the
/// candidate heap and the top-k heap. One instance per thread, so concurrent searches share nothing and a search
/// allocates only its answer.
/// </summary>
internal sealed class IvfScratch
{
    [ThreadStatic]
    private static IvfScratch? t_instance;

    private float[] _query = new float[64];
    private sbyte[] _codes = GC.AllocateArray<sbyte>(64, pinned: true);
    private int[] _probeLists = new int[32];
    private float[] _probeScores = new float[32];
    private int[] _candidateNodes = new int[256];
    private float[] _candidateScores = new float[256];
    private int[] _topNodes = new int[128];
    private float[] _topScores = new float[128];

    public static IvfScratch Get() => t_instance ??= new IvfScratch();

    public Span<float> Query(int length) => Grown(ref _query, length).AsSpan(0, length);

    /// <summary>A pinned code row of <paramref name="stride"/> bytes for the quantised query.</summary>
    public unsafe sbyte* Codes(int stride)
    {
        if (_codes.Length < stride)
        {
            _codes = GC.AllocateArray<sbyte>(stride, pinned: true);
        }

        return (sbyte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _codes[0]);
    }

    /// <summary>The same buffer as a span (for encoding).</summary>
    public Span<sbyte> CodeSpan(int stride) => _codes.AsSpan(0, stride);

    public Span<int> ProbeLists(int count) => Grown(ref _probeLists, count).AsSpan(0, count);

    public Span<float> ProbeScores(int count) => Grown(ref _probeScores, count).AsSpan(0, count);

    public Span<int> CandidateNodes(int count) => Grown(ref _candidateNodes, count).AsSpan(0, count);

    public Span<float> CandidateScores(int count) => Grown(ref _candidateScores, count).AsSpan(0, count);

    public Span<int> TopNodes(int count) => Grown(ref _topNodes, count).AsSpan(0, count);

    public Span<float> TopScores(int count) => Grown(ref _topScores, count).AsSpan(0, count);

    private static T[] Grown<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[Math.Max(length, buffer.Length * 2)];
        }

        return buffer;
    }
}
