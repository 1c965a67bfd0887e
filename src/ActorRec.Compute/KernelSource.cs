namespace ActorRec.Compute;

/// <summary>The CUDA C source of our kernels (<c>Kernels/scoring.cu</c>, embedded in this assembly).</summary>
public static class KernelSource
{
    /// <summary>Resource name of the scoring kernels.</summary>
    public const string ScoringResource = "ActorRec.Compute.Kernels.scoring.cu";

    /// <summary>Every <c>extern "C"</c> kernel the CUDA backend loads from the compiled module.</summary>
    public static readonly string[] KernelNames =
    [
        "score_shared_f32", "score_shared_f16", "score_shared_bf16",
        "score_gathered_f32", "score_gathered_f16", "score_gathered_bf16",
        "scatter_rows_f32", "scatter_rows_f16", "scatter_rows_bf16",
        "gemm_bias_act", "bias_act", "copy_f4",
    ];

    /// <summary>Reads the scoring kernel source.</summary>
    public static string Scoring()
    {
        using var stream = typeof(KernelSource).Assembly.GetManifestResourceStream(ScoringResource)
            ?? throw new InvalidOperationException($"Embedded resource {ScoringResource} is missing from {typeof(KernelSource).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

}
