using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Sqlite;

namespace ActorRec.Persistence.Tests.Crash;

/// <summary>
/// The child side of the crash test: 64 writers persist to the SQLite journal as fast as they can, each with atomic
/// writes of a fixed size (1, 2 or 3 events, by writer), and print <c>ack PID SEQ</c> after each write completed
/// (i.e. after it is durable). It never stops on its own: the parent kills it with SIGKILL.
/// </summary>
public static class CrashChild
{
    public const string Mode = "crash-child";
    public const int Writers = 64;

    public static int WriteSize(int writer) => (writer % 3) + 1;

    public static string Pid(int writer) => $"crash-{writer}";

    public static async Task<int> RunAsync(string dataDir)
    {
        var settings = PersistenceSettings.Default with { DataDir = dataDir, SqliteSynchronousFull = true };
        var journal = new SqliteJournal(settings);
        var output = TextWriter.Synchronized(new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true });
        output.WriteLine("ready");
        var tasks = new Task[Writers];
        for (int w = 0; w < Writers; w++)
        {
            int writer = w;
            tasks[w] = Task.Run(() => WriteForeverAsync(journal, writer, output));
        }

        await Task.WhenAll(tasks);
        return 0;
    }

    private static async Task WriteForeverAsync(IJournal journal, int writer, TextWriter output)
    {
        string pid = Pid(writer);
        int size = WriteSize(writer);
        byte[] payload = new byte[200 + (writer * 7)];
        for (long seq = 1; ; seq += size)
        {
            var events = new PersistentRepr[size];
            for (int i = 0; i < size; i++)
            {
                payload[0] = (byte)(seq + i);
                events[i] = new PersistentRepr(pid, seq + i, "crash.event", 1, (byte[])payload.Clone(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }

            await journal.WriteAsync(new AtomicWrite(events));
            output.WriteLine($"ack {pid} {seq + size - 1}");
        }
    }
}
