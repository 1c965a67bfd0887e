using System.Text.Json;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Serialization;
using ActorRec.Persistence.Sqlite;
using ActorRec.Persistence.Tests.Actors;
using ActorRec.Persistence.Tooling;
using Microsoft.Data.Sqlite;

namespace ActorRec.Persistence.Tests.Tooling;

public sealed class JournalToolTests : IAsyncLifetime, IDisposable
{
    private const long T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
    private readonly TempDir _dir = new();
    private readonly EventSerializerRegistry _registry = CounterActor.NewRegistry();
    private SqliteJournal _journal = null!;
    private JournalTool _tool = null!;

    public async Task InitializeAsync()
    {
        _journal = new SqliteJournal(PersistenceSettings.Default with { DataDir = _dir.Path, ReadBatchSize = 4 });
        var replayers = new EntityReplayRegistry()
            .Register("counter-", static () => new CounterState(0, 0), CounterActor.Apply, static s => $"total={s.Total} count={s.Count}");
        _tool = new JournalTool(_journal, _registry, replayers);
        foreach (string pid in new[] { "counter-b", "counter-a" })
        {
            for (int seq = 1; seq <= 5; seq++)
            {
                SerializedPayload p = _registry.Serialize(new Added(seq * 10));
                await _journal.WriteAsync(new AtomicWrite(new PersistentRepr(pid, seq, p.Manifest, p.Version, p.Bytes, T0 + (seq * 60_000))));
            }
        }
    }

    public async Task DisposeAsync() => await _journal.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task List_and_show_print_ids_and_decoded_events()
    {
        var list = new StringWriter();
        Assert.Equal(2, await _tool.ListAsync(list));
        Assert.Equal("counter-a\t5\ncounter-b\t5\n", list.ToString().ReplaceLineEndings("\n"));

        var show = new StringWriter();
        Assert.Equal(2, await _tool.ShowAsync("counter-a", show, 2, 3));
        string[] lines = show.ToString().ReplaceLineEndings("\n").TrimEnd().Split('\n');
        Assert.Equal("#2\t2026-01-01T00:02:00.000Z\ttest.added v1\tAdded { Amount = 20 }", lines[0]);
        Assert.StartsWith("#3\t", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_prints_each_transition_up_to_a_sequence_number_or_a_time()
    {
        var output = new StringWriter();
        var reports = new List<JournalProgress>();
        ReplayResult bySeq = await _tool.ReplayAsync("counter-a", new ReplayTarget(ToSequenceNr: 3), output, new SyncProgress(reports));
        Assert.Equal(new ReplayResult(3, 3, "total=60 count=3"), bySeq);
        string[] lines = output.ToString().ReplaceLineEndings("\n").TrimEnd().Split('\n');
        Assert.Equal("initial\ttotal=0 count=0", lines[0]);
        Assert.Equal("#2\t2026-01-01T00:02:00.000Z\tAdded { Amount = 20 }\t→ total=30 count=2", lines[2]);
        Assert.Equal(new JournalProgress("replay", 3, 3), reports[^1]);

        ReplayResult byTime = await _tool.ReplayAsync("counter-b",
            new ReplayTarget(ToTime: DateTimeOffset.FromUnixTimeMilliseconds(T0 + (4 * 60_000))), new StringWriter());
        Assert.Equal(new ReplayResult(4, 4, "total=100 count=4"), byTime);

        ArgumentException ex = await Assert.ThrowsAsync<ArgumentException>(() => _tool.ReplayAsync("video-1", new ReplayTarget(), new StringWriter()));
        Assert.Contains("'video-1'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_passes_on_a_sound_journal_and_names_every_damaged_row()
    {
        var reports = new List<JournalProgress>();
        VerifyReport sound = await _tool.VerifyAsync(new SyncProgress(reports), decode: true);
        Assert.True(sound.Ok);
        Assert.Equal((10L, 2L, 0), (sound.RowsChecked, sound.PersistenceIds, sound.ExitCode));
        Assert.Equal(new JournalProgress("verify", 10, 10), reports[^1]);

        await using (var conn = new SqliteConnection($"Data Source={_journal.FilePath};Pooling=false"))
        {
            await conn.OpenAsync();
            await using SqliteCommand cmd = conn.CreateCommand();
            cmd.CommandText = """
                UPDATE journal SET payload = substr(payload, 1, 2) WHERE persistence_id = 'counter-a' AND sequence_nr = 4;
                DELETE FROM journal WHERE persistence_id = 'counter-b' AND sequence_nr = 2;
                """;
            await cmd.ExecuteNonQueryAsync();
        }

        VerifyReport damaged = await _tool.VerifyAsync();
        Assert.False(damaged.Ok);
        Assert.Equal(2, damaged.ExitCode);
        Assert.Equal(2, damaged.Damages.Count);
        Assert.Contains(damaged.Damages, d => d is { PersistenceId: "counter-a", SequenceNr: 4, Kind: DamageKind.ChecksumMismatch });
        Assert.Contains(damaged.Damages, d => d is { PersistenceId: "counter-b", SequenceNr: 3, Kind: DamageKind.SequenceGap });
    }

    [Fact]
    public async Task Export_writes_one_json_object_per_row()
    {
        await _journal.DeleteToAsync("counter-b", 2);
        var output = new StringWriter();
        Assert.Equal(8, await _tool.ExportJsonLinesAsync(output));
        string[] lines = output.ToString().ReplaceLineEndings("\n").TrimEnd().Split('\n');
        Assert.Equal(8, lines.Length);
        using JsonDocument first = JsonDocument.Parse(lines[0]);
        JsonElement root = first.RootElement;
        Assert.Equal("counter-b", root.GetProperty("persistence_id").GetString());
        Assert.Equal(3, root.GetProperty("sequence_nr").GetInt64());
        Assert.Equal("Added { Amount = 30 }", root.GetProperty("event").GetString());
        Assert.True(root.GetProperty("checksum_ok").GetBoolean());
        Assert.Equal(5, await _tool.ExportJsonLinesAsync(new StringWriter(), persistenceId: "counter-b", includeDeleted: true));
    }

    private sealed class SyncProgress(List<JournalProgress> reports) : IProgress<JournalProgress>
    {
        public void Report(JournalProgress value) => reports.Add(value);
    }
}
