using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ActorRec.Benchmarks.Compute;

/// <summary>
/// On-CPU time of the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>, nanosecond resolution). On a machine
/// shared with other busy processes, wall-clock time of a single-threaded kernel includes the time the scheduler
/// gave to others; thread CPU time does not, so ratios of two single-threaded measurements stay meaningful.
/// Elsewhere it falls back to wall-clock time.
/// </summary>
public static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>True when real thread CPU time is measured (Linux), false when it falls back to wall-clock time.</summary>
    public static bool IsThreadCpuTime { get; } = OperatingSystem.IsLinux() && Probe();

    /// <summary>Seconds of CPU time this thread has used (or a wall-clock reading on the fallback).</summary>
    public static double Now()
    {
        if (IsThreadCpuTime && ClockGetTime(ClockThreadCpuTimeId, out var ts) == 0)
        {
            return ts.Seconds + (ts.Nanoseconds * 1e-9);
        }

        return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    }

    private static bool Probe()
    {
        try
        {
            return ClockGetTime(ClockThreadCpuTimeId, out _) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out Timespec value);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
