using System.Diagnostics;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Serialization;
using ActorRec.Persistence.Sqlite;
using ActorRec.Persistence.Tooling;

namespace ActorRec.Persistence.Tests.Crash;

/// <summary>
/// Kills a child process that persists under load with SIGKILL; afterwards every acknowledged event must be in the
/// journal, no atomic write may be visible in part, and verify must pass.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private const int AcksBeforeKill = 3000;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Every_acknowledged_event_survives_SIGKILL_and_nothing_partial_is_visible()
    {
        string dll = typeof(CrashChild).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add(CrashChild.Mode);
        psi.ArgumentList.Add(_dir.Path);
        using Process child = Process.Start(psi) ?? throw new InvalidOperationException("could not start the child process");
        Task<string> stderr = child.StandardError.ReadToEndAsync();
        var acked = new Dictionary<string, long>(StringComparer.Ordinal);
        int acks = 0;
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (acks < AcksBeforeKill && await child.StandardOutput.ReadLineAsync(guard.Token) is { } line)
            {
                acks += Record(acked, line);
            }
        }
        finally
        {
            child.Kill(); // SIGKILL on Unix: no finalizers, no flush, no dispose.
        }

        Assert.True(acks >= AcksBeforeKill, $"child ended early after {acks} acks: {await stderr.WaitAsync(guard.Token)}");

        // Acks printed before the kill are still in the pipe.
        while (await child.StandardOutput.ReadLineAsync(guard.Token) is { } line)
        {
            acks += Record(acked, line);
        }

        await child.WaitForExitAsync(guard.Token);
        Assert.Equal(137, child.ExitCode);

        await using var journal = new SqliteJournal(PersistenceSettings.Default with { DataDir = _dir.Path, SqliteSynchronousFull = true });
        for (int w = 0; w < CrashChild.Writers; w++)
        {
            string pid = CrashChild.Pid(w);
            long highest = await journal.ReadHighestSequenceNrAsync(pid);
            Assert.True(highest >= acked.GetValueOrDefault(pid), $"{pid}: acknowledged #{acked.GetValueOrDefault(pid)} but only #{highest} stored");
            Assert.True(highest % CrashChild.WriteSize(w) == 0, $"{pid}: #{highest} is inside an atomic write of {CrashChild.WriteSize(w)}");
            long expected = 1;
            await foreach (PersistentRepr e in journal.ReplayAsync(pid, 1, long.MaxValue, long.MaxValue))
            {
                Assert.Equal(expected++, e.SequenceNr);
                Assert.Equal((byte)e.SequenceNr, e.Payload[0]);
            }

            Assert.Equal(highest + 1, expected);
        }

        VerifyReport report = await new JournalTool(journal, new EventSerializerRegistry()).VerifyAsync();
        Assert.True(report.Ok, string.Join("; ", report.Damages));
        Assert.True(report.RowsChecked >= acks);
    }

    private static int Record(Dictionary<string, long> acked, string line)
    {
        if (!line.StartsWith("ack ", StringComparison.Ordinal))
        {
            return 0;
        }

        string[] parts = line.Split(' ');
        if (parts.Length != 3 || !long.TryParse(parts[2], out long seq))
        {
            return 0; // a line torn by the kill: not an acknowledgement
        }

        acked[parts[1]] = Math.Max(acked.GetValueOrDefault(parts[1]), seq);
        return 1;
    }
}
