using System.Text.Json;
using ActorRec.Persistence;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Serialization;
using ActorRec.Persistence.Sqlite;
using ActorRec.Persistence.Tooling;
using Microsoft.Data.Sqlite;

namespace ActorRec.Cli.Tests;

/// <summary><c>actorrec journal ...</c> over a real SQLite journal written by the persistence module.</summary>
public sealed class JournalCommandTests : IAsyncLifetime, IDisposable
{
    private const long T0 = 1_795_255_200_000; // 2026-11-21T10:00:00Z
    private readonly TempDir _dir = new();

    public async Task InitializeAsync()
    {
        var registry = NewDomain().Serializers;
        await using var journal = new SqliteJournal(PersistenceSettings.Default with { DataDir = Path.Combine(_dir.Path, "data") });
        foreach (var pid in new[] { "counter-a", "counter-b" })
        {
            for (var seq = 1; seq <= 3; seq++)
            {
                var payload = registry.Serialize(new Added(seq * 10));
                await journal.WriteAsync(new AtomicWrite(new PersistentRepr(pid, seq, payload.Manifest, payload.Version, payload.Bytes, T0 + (seq * 60_000))));
            }
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task List_prints_ids_with_their_highest_sequence_number()
    {
        var result = await RunAsync("journal", "list", "--data-dir", "data");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Equal("counter-a\t3\ncounter-b\t3\n", result.Output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Show_prints_decoded_events_in_a_range()
    {
        var result = await RunAsync("journal", "show", "counter-b", "--from", "2", "--data-dir", "data");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        var lines = result.Output.ReplaceLineEndings("\n").TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Equal("#2\t2026-11-21T10:02:00.000Z\ttest.added v1\tAdded { Amount = 20 }", lines[0]);
    }

    [Fact]
    public async Task Show_of_an_unknown_id_fails_with_exit_1()
    {
        var result = await RunAsync("journal", "show", "counter-zzz", "--data-dir", "data");
        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("no events for 'counter-zzz'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_rebuilds_state_step_by_step_up_to_a_sequence_number_or_time()
    {
        var bySeq = await RunAsync("journal", "replay", "counter-a", "--to-seq", "2", "--data-dir", "data");
        Assert.Equal(ExitCodes.Ok, bySeq.ExitCode);
        var lines = bySeq.Output.ReplaceLineEndings("\n").TrimEnd().Split('\n');
        Assert.Equal(["initial\ttotal=0", "#1\t2026-11-21T10:01:00.000Z\tAdded { Amount = 10 }\t→ total=10",
            "#2\t2026-11-21T10:02:00.000Z\tAdded { Amount = 20 }\t→ total=30"], lines);

        var byTime = await RunAsync("journal", "replay", "counter-a", "--to-time", "2026-11-21T10:01:30Z", "--data-dir", "data");
        Assert.Equal(ExitCodes.Ok, byTime.ExitCode);
        Assert.EndsWith("→ total=10", byTime.Output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_of_an_unregistered_entity_kind_is_a_usage_error()
    {
        var result = await RunAsync("journal", "replay", "video-v1", "--data-dir", "data");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("no entity replayer is registered for 'video-v1'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_time_is_a_usage_error_naming_the_option()
    {
        var result = await RunAsync("journal", "replay", "counter-a", "--to-time", "yesterday", "--data-dir", "data");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--to-time 'yesterday'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_writes_one_json_object_per_row()
    {
        var result = await RunAsync("journal", "export", "--data-dir", "data");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        var lines = result.Output.ReplaceLineEndings("\n").TrimEnd().Split('\n');
        Assert.Equal(6, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("counter-a", first.RootElement.GetProperty("persistence_id").GetString());
        Assert.True(first.RootElement.GetProperty("checksum_ok").GetBoolean());

        var one = await RunAsync("journal", "export", "counter-b", "--output", "b.jsonl", "--data-dir", "data");
        Assert.Equal(ExitCodes.Ok, one.ExitCode);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(_dir.Path, "b.jsonl")).Length);
    }

    [Fact]
    public async Task Verify_passes_on_a_sound_journal_and_names_the_damaged_row_otherwise()
    {
        var sound = await RunAsync("journal", "verify", "--decode", "--data-dir", "data");
        Assert.Equal(ExitCodes.Ok, sound.ExitCode);
        Assert.Contains("ok: 6 rows of 2 persistence ids verified", sound.Output, StringComparison.Ordinal);

        using (var connection = new SqliteConnection($"Data Source={Path.Combine(_dir.Path, "data", "journal.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE journal SET payload = substr(payload, 1, 2) WHERE persistence_id = 'counter-b' AND sequence_nr = 2;";
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        var damaged = await RunAsync("journal", "verify", "--data-dir", "data");
        Assert.Equal(ExitCodes.Failure, damaged.ExitCode);
        Assert.Contains("ChecksumMismatch at 'counter-b' #2", damaged.Output, StringComparison.Ordinal);
        Assert.Contains("damaged: 1 problem(s)", damaged.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("journal", "list")]
    [InlineData("journal", "list", "--data-dir", "missing")]
    [InlineData("journal", "list", "--data-dir", "data", "--postgres", "Host=x")]
    public async Task The_journal_must_be_named_once_and_exist(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.False(string.IsNullOrWhiteSpace(result.Error));
    }

    private async Task<CliResult> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext(output, error, _dir.Path, new Dictionary<string, string>()) { JournalDomain = NewDomain };
        var exit = await CliApp.InvokeAsync(args, context).WaitAsync(CliRunner.Guard);
        return new CliResult(exit, output.ToString(), error.ToString());
    }

    private static JournalDomain NewDomain() => new(
        new EventSerializerRegistry().Register<Added>("test.added", 1, static (w, e) => w.Write(e.Amount), static r => new Added(r.ReadInt32())),
        new EntityReplayRegistry().Register("counter-", static () => 0, static (total, e) => total + ((Added)e).Amount, static total => $"total={total}"));

    internal sealed record Added(int Amount);
}
