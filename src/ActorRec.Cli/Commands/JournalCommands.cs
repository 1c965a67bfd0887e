using System.CommandLine;
using System.Globalization;
using ActorRec.Persistence;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Tooling;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using Spectre.Console;

namespace ActorRec.Cli.Commands;

/// <summary>
/// <c>actorrec journal list|show|replay|verify|export</c> over the SQLite journal of a data dir (<c>--data-dir</c>)
/// or a PostgreSQL journal (<c>--postgres</c>). Results go to stdout; progress bars of long scans go to stderr when
/// it is a terminal. <c>verify</c> exits 1 when it finds damage, naming each damaged row. <c>replay user/ID --feed</c>
/// adds, after the transitions, the feed that user would have received at the target time, with explanations.
/// </summary>
internal static class JournalCommands
{
    public static Command Create(CliContext context)
    {
        var journal = new Command("journal", "Inspect, replay, verify and export event journals.");
        journal.Add(CreateList(context));
        journal.Add(CreateShow(context));
        journal.Add(CreateReplay(context));
        journal.Add(CreateVerify(context));
        journal.Add(CreateExport(context));
        journal.SetAction(parseResult =>
        {
            CliApp.WriteHelp(parseResult.CommandResult.Command, context.Output);
            return ExitCodes.Usage;
        });
        return journal;
    }

    private static Command CreateList(CliContext context)
    {
        var store = new StoreOptions();
        var list = new Command("list", "Print every persistence id with its highest sequence number (tab-separated).");
        store.AddTo(list);
        list.SetAction((parseResult, ct) => WithToolAsync(context, store, parseResult, async tool =>
        {
            await tool.ListAsync(context.Output, ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        return list;
    }

    private static Command CreateShow(CliContext context)
    {
        var store = new StoreOptions();
        var id = PersistenceIdArgument();
        var from = new Option<long>("--from") { Description = "First sequence number.", DefaultValueFactory = _ => 1 };
        var to = new Option<long>("--to") { Description = "Last sequence number.", DefaultValueFactory = _ => long.MaxValue };
        var show = new Command("show", "Print the events of one persistence id: sequence, time, manifest and version, decoded event.");
        show.Add(id);
        show.Add(from);
        show.Add(to);
        store.AddTo(show);
        show.SetAction((parseResult, ct) => WithToolAsync(context, store, parseResult, async tool =>
        {
            var count = await tool.ShowAsync(parseResult.GetRequiredValue(id), context.Output,
                Math.Max(1, parseResult.GetValue(from)), parseResult.GetValue(to), ct).ConfigureAwait(false);
            return count > 0 ? ExitCodes.Ok : NotFound(context, parseResult.GetRequiredValue(id));
        }));
        return show;
    }

    private static Command CreateReplay(CliContext context)
    {
        var store = new StoreOptions();
        var id = PersistenceIdArgument();
        var toSeq = new Option<long?>("--to-seq") { Description = "Stop after this sequence number.", HelpName = "N" };
        var toTime = new Option<string>("--to-time")
        {
            Description = "Stop before the first event after this time (ISO 8601, e.g. 2026-11-21T10:00:00Z).",
            HelpName = "TIME",
        };
        var feed = new Option<bool>("--feed")
        {
            Description = "Users only: after the transitions, the feed the user would have received then, with explanations "
                + "(videos rebuilt from the journal as of that time; the online model and co-engagement from the node's newest checkpoint "
                + "at or before it, see --checkpoints).",
        };
        var checkpoints = new Option<string>("--checkpoints")
        {
            Description = "With --feed: the node's checkpoint history folder (default: <data-dir>/model-state.ckpt.history when it "
                + "exists; a clustered node's is <data-dir>/<node>.model-state.ckpt.history). Without one the model takes its initial weights.",
            HelpName = "DIR",
        };
        var count = new Option<int>("--count") { Description = "Feed items with --feed (default: the configured feed size).", HelpName = "N" };
        var region = new Option<string>("--region") { Description = "Region of the feed request with --feed (default: the user's last).", HelpName = "REGION" };
        var json = new Option<bool>("--json") { Description = "With --feed: print one JSON object (transitions, parts as of T and defaults, feed)." };
        var replay = new Command("replay", "Rebuild one entity's state event by event through its own handlers, printing each transition.");
        replay.Add(id);
        replay.Add(toSeq);
        replay.Add(toTime);
        replay.Add(feed);
        replay.Add(count);
        replay.Add(region);
        replay.Add(json);
        replay.Add(checkpoints);
        store.AddTo(replay);
        replay.SetAction((parseResult, ct) => WithToolAsync(context, store, parseResult, async (tool, journal) =>
        {
            var pid = parseResult.GetRequiredValue(id);
            var target = new ReplayTarget(parseResult.GetValue(toSeq) ?? long.MaxValue, ParseTime(parseResult.GetValue(toTime)));
            var domain = context.JournalDomain();
            if (domain.Replayers.Find(pid) is null)
            {
                throw new UsageException($"no entity replayer is registered for '{pid}'; replay knows the entity kinds the domain registers");
            }

            var withFeed = parseResult.GetValue(feed);
            if (!withFeed)
            {
                if (parseResult.GetValue(json) || parseResult.GetResult(count) is not null || parseResult.GetResult(region) is not null
                    || parseResult.GetResult(checkpoints) is not null)
                {
                    throw new UsageException("--json, --count, --region and --checkpoints apply to replay --feed");
                }

                var result = await tool.ReplayAsync(pid, target, context.Output, null, ct).ConfigureAwait(false);
                return result.EventsApplied > 0 ? ExitCodes.Ok : NotFound(context, pid);
            }

            var history = CheckpointFolder(context, store.DataDir(parseResult), parseResult.GetValue(checkpoints), domain.Feed ?? FeedSettings.Default);
            return await ReplayFeedAsync(context, tool, journal, domain, pid, target, parseResult.GetValue(count), parseResult.GetValue(region),
                parseResult.GetValue(json), history, ct).ConfigureAwait(false);
        }));
        return replay;
    }

    /// <summary><c>replay user/ID --feed</c>: the transitions, then the feed at the target (see <see cref="FeedReplay"/>).</summary>
    /// <summary>The checkpoint history for replay --feed: the named folder (which must exist), else the data dir's default when present.</summary>
    private static string? CheckpointFolder(CliContext context, string? dataDir, string? named, FeedSettings settings)
    {
        if (named is not null)
        {
            var full = Path.GetFullPath(named, context.WorkingDirectory);
            return Directory.Exists(full) ? full : throw new UsageException($"--checkpoints: no folder {full}");
        }

        if (dataDir is null)
        {
            return null;
        }

        var folder = Recommender.Checkpoints.CheckpointHistory.FolderFor(
            Path.Combine(Path.GetFullPath(dataDir, context.WorkingDirectory), settings.Checkpoint.FileName));
        return Directory.Exists(folder) ? folder : null;
    }

    private static async Task<int> ReplayFeedAsync(CliContext context, JournalTool tool, IJournal journal, JournalDomain domain, string pid, ReplayTarget target,
        int count, string? region, bool json, string? checkpointHistory, CancellationToken ct)
    {
        if (!pid.StartsWith("user/", StringComparison.Ordinal))
        {
            throw new UsageException($"--feed needs a user's persistence id (user/ID); '{pid}' is not a user");
        }

        if (count < 0)
        {
            throw new UsageException($"--count must be 0 or more, got {count.ToString(CultureInfo.InvariantCulture)}");
        }

        FeedReplayResult feedResult;
        try
        {
            feedResult = await FeedReplay.RunAsync(journal, domain.Serializers, domain.Feed ?? FeedSettings.Default, pid, target, count, region, ct,
                checkpointHistory).ConfigureAwait(false);
        }
        catch (FeedReplayException error)
        {
            await context.Error.WriteLineAsync($"actorrec: {error.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        if (!json)
        {
            await tool.ReplayAsync(pid, target, context.Output, null, ct).ConfigureAwait(false);
            await context.Output.WriteAsync(FeedReplayReport.ToText(feedResult)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        var transitions = new StringWriter(CultureInfo.InvariantCulture);
        await tool.ReplayAsync(pid, target, transitions, null, ct).ConfigureAwait(false);
        var lines = transitions.ToString().ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        await context.Output.WriteLineAsync(FeedReplayReport.ToJson(feedResult, lines)).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static Command CreateVerify(CliContext context)
    {
        var store = new StoreOptions();
        var decode = new Option<bool>("--decode") { Description = "Also check that every payload decodes with the registered schemas." };
        var verify = new Command("verify", "Check sequence continuity and row checksums over the whole journal; exit 1 on damage.");
        verify.Add(decode);
        store.AddTo(verify);
        verify.SetAction((parseResult, ct) => WithToolAsync(context, store, parseResult, async tool =>
        {
            var report = await WithProgressAsync(context, "verify",
                progress => tool.VerifyAsync(progress, parseResult.GetValue(decode), ct)).ConfigureAwait(false);
            foreach (var damage in report.Damages)
            {
                await context.Output.WriteLineAsync(damage.ToString()).ConfigureAwait(false);
            }

            await context.Output.WriteLineAsync(report.Ok
                ? $"ok: {report.RowsChecked} rows of {report.PersistenceIds} persistence ids verified"
                : $"damaged: {report.Damages.Count} problem(s) in {report.RowsChecked} rows of {report.PersistenceIds} persistence ids").ConfigureAwait(false);
            return report.Ok ? ExitCodes.Ok : ExitCodes.Failure;
        }));
        return verify;
    }

    private static Command CreateExport(CliContext context)
    {
        var store = new StoreOptions();
        var id = new Argument<string?>("PERSISTENCE-ID") { Description = "Only this entity (default: every row).", Arity = ArgumentArity.ZeroOrOne };
        var output = new Option<string>("--output", "-o") { Description = "Write to FILE instead of stdout.", HelpName = "FILE" };
        var deleted = new Option<bool>("--include-deleted") { Description = "Also export rows deleted after a snapshot." };
        var export = new Command("export", "Write journal rows as JSON Lines (one object per row, payload in base64 plus the decoded event).");
        export.Add(id);
        export.Add(output);
        export.Add(deleted);
        store.AddTo(export);
        export.SetAction((parseResult, ct) => WithToolAsync(context, store, parseResult, async tool =>
        {
            var target = parseResult.GetValue(output);
            await using var file = target is null ? null : new StreamWriter(Path.GetFullPath(target, context.WorkingDirectory));
            var writer = (TextWriter?)file ?? context.Output;
            var rows = await WithProgressAsync(context, "export",
                progress => tool.ExportJsonLinesAsync(writer, parseResult.GetValue(id), parseResult.GetValue(deleted), progress, ct)).ConfigureAwait(false);
            if (file is not null)
            {
                await context.Error.WriteLineAsync($"exported {rows} rows to {target}").ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        }));
        return export;
    }

    private static Argument<string> PersistenceIdArgument() =>
        new("PERSISTENCE-ID") { Description = "The entity's persistence id, e.g. user-u1." };

    private static int NotFound(CliContext context, string persistenceId)
    {
        context.Error.WriteLine($"actorrec: no events for '{persistenceId}'");
        return ExitCodes.Failure;
    }

    private static DateTimeOffset? ParseTime(string? text)
    {
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new UsageException($"--to-time '{text}' is not a time; use ISO 8601 such as 2026-11-21T10:00:00Z");
    }

    private static Task<int> WithToolAsync(CliContext context, StoreOptions store, ParseResult parseResult, Func<JournalTool, Task<int>> body) =>
        WithToolAsync(context, store, parseResult, (tool, _) => body(tool));

    private static async Task<int> WithToolAsync(CliContext context, StoreOptions store, ParseResult parseResult, Func<JournalTool, IJournal, Task<int>> body)
    {
        var settings = store.CreateSettings(parseResult, context);
        var domain = context.JournalDomain();
        await using var journal = PersistenceFactory.CreateJournal(settings);
        return await body(new JournalTool(journal, domain.Serializers, domain.Replayers), journal).ConfigureAwait(false);
    }

    /// <summary>Shows a progress bar on stderr when it is an interactive terminal; otherwise runs quietly.</summary>
    private static async Task<T> WithProgressAsync<T>(CliContext context, string stage, Func<IProgress<JournalProgress>?, Task<T>> body)
    {
        if (!context.IsConsole || Console.IsErrorRedirected)
        {
            return await body(null).ConfigureAwait(false);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        T result = default!;
        await console.Progress().StartAsync(async progressContext =>
        {
            var task = progressContext.AddTask(stage);
            result = await body(new Progress<JournalProgress>(p =>
            {
                task.MaxValue = Math.Max(1, p.Total);
                task.Value = Math.Min(p.Done, task.MaxValue);
            })).ConfigureAwait(false);
            task.Value = task.MaxValue;
        }).ConfigureAwait(false);
        return result;
    }

    /// <summary><c>--data-dir</c> or <c>--postgres</c>: exactly one says which journal to open.</summary>
    private sealed class StoreOptions
    {
        private readonly Option<string> _dataDir = new("--data-dir", "-d")
        {
            Description = "Directory holding the SQLite journal (journal.db).",
            HelpName = "DIR",
        };

        private readonly Option<string> _postgres = new("--postgres")
        {
            Description = "Npgsql connection string of a PostgreSQL journal, e.g. \"Host=db;Database=actorrec;Username=actorrec\".",
            HelpName = "CONNSTR",
        };

        /// <summary>The --data-dir given, if any.</summary>
        public string? DataDir(ParseResult parseResult) => parseResult.GetValue(_dataDir);

        public void AddTo(Command command)
        {
            command.Add(_dataDir);
            command.Add(_postgres);
        }

        public PersistenceSettings CreateSettings(ParseResult parseResult, CliContext context)
        {
            var dataDir = parseResult.GetValue(_dataDir);
            var postgres = parseResult.GetValue(_postgres);
            if ((dataDir is null) == (postgres is null))
            {
                throw new UsageException("name the journal with exactly one of --data-dir DIR or --postgres CONNSTR");
            }

            if (postgres is not null)
            {
                return PersistenceSettings.Create(plugin: "postgres", connectionString: postgres);
            }

            var full = Path.GetFullPath(dataDir!, context.WorkingDirectory);
            if (!File.Exists(Path.Combine(full, "journal.db")))
            {
                throw new UsageException($"no journal in {dataDir} (expected {Path.Combine(full, "journal.db")})");
            }

            return PersistenceSettings.Create(plugin: "sqlite", dataDir: full);
        }
    }
}
