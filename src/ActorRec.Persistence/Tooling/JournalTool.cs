using System.Globalization;
using System.Text;
using System.Text.Json;
using ActorRec.Persistence.Journal;
using ActorRec.Persistence.Serialization;

namespace ActorRec.Persistence.Tooling;

/// <summary>
/// The library behind <c>actorrec journal list|show|replay|verify|export</c>: works on any <see cref="IJournal"/>
/// and writes human output to a <see cref="TextWriter"/>; long runs report progress through <see cref="IProgress{T}"/>.
/// </summary>
public sealed class JournalTool
{
    private const int ProgressEvery = 10_000;

    private readonly IJournal _journal;
    private readonly EventSerializerRegistry _registry;
    private readonly EntityReplayRegistry _replayers;

    public JournalTool(IJournal journal, EventSerializerRegistry registry, EntityReplayRegistry? replayers = null)
    {
        _journal = journal ?? throw new ArgumentNullException(nameof(journal));
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _replayers = replayers ?? new EntityReplayRegistry();
    }

    /// <summary>Prints every persistence id with its highest sequence number; returns how many.</summary>
    public async Task<long> ListAsync(TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        long count = 0;
        await foreach (string id in _journal.CurrentPersistenceIdsAsync(cancellationToken).ConfigureAwait(false))
        {
            long highest = await _journal.ReadHighestSequenceNrAsync(id, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"{id}\t{highest}").ConfigureAwait(false);
            count++;
        }

        return count;
    }

    /// <summary>Prints the events of one id (sequence, time, manifest/version, decoded event); returns how many.</summary>
    public async Task<long> ShowAsync(string persistenceId, TextWriter output, long fromSequenceNr = 1, long toSequenceNr = long.MaxValue,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentNullException.ThrowIfNull(output);
        long count = 0;
        await foreach (PersistentRepr e in _journal.CurrentEventsByPersistenceIdAsync(persistenceId, fromSequenceNr, toSequenceNr, cancellationToken)
                           .ConfigureAwait(false))
        {
            await output.WriteLineAsync($"#{e.SequenceNr}\t{Time(e.TimestampMs)}\t{e.Manifest} v{e.SchemaVersion}\t{Describe(e)}").ConfigureAwait(false);
            count++;
        }

        return count;
    }

    /// <summary>
    /// Rebuilds the state of one id step by step with the entity's registered transition function and prints each
    /// transition (<c>#seq time event → state</c>) up to the target.
    /// </summary>
    public async Task<ReplayResult> ReplayAsync(string persistenceId, ReplayTarget target, TextWriter output, IProgress<JournalProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(persistenceId);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(output);
        EntityReplayer replayer = _replayers.Find(persistenceId) ?? throw new ArgumentException(
            $"No entity replayer is registered for '{persistenceId}' (domain code registers one per persistence-id prefix).", nameof(persistenceId));
        long total = Math.Min(target.ToSequenceNr, await _journal.ReadHighestSequenceNrAsync(persistenceId, cancellationToken).ConfigureAwait(false));
        object state = replayer.Initial();
        string printed = replayer.Print(state);
        await output.WriteLineAsync($"initial\t{printed}").ConfigureAwait(false);
        long last = 0;
        int applied = 0;
        long? toMs = target.ToTime?.ToUnixTimeMilliseconds();
        await foreach (PersistentRepr e in _journal.CurrentEventsByPersistenceIdAsync(persistenceId, 1, target.ToSequenceNr, cancellationToken)
                           .ConfigureAwait(false))
        {
            if (toMs is { } limit && e.TimestampMs > limit)
            {
                break;
            }

            object @event = _registry.Deserialize(e.Manifest, e.SchemaVersion, e.Payload);
            state = replayer.Apply(state, @event);
            printed = replayer.Print(state);
            await output.WriteLineAsync($"#{e.SequenceNr}\t{Time(e.TimestampMs)}\t{@event}\t→ {printed}").ConfigureAwait(false);
            last = e.SequenceNr;
            applied++;
            if (applied % 1000 == 0)
            {
                progress?.Report(new JournalProgress("replay", applied, total));
            }
        }

        progress?.Report(new JournalProgress("replay", applied, applied));
        return new ReplayResult(last, applied, printed);
    }

    /// <summary>
    /// Checks the whole journal: every row's checksum, and that each id's sequence numbers run 1, 2, 3… in offset
    /// order (deleted rows included). Optionally that every payload decodes.
    /// </summary>
    public async Task<VerifyReport> VerifyAsync(IProgress<JournalProgress>? progress = null, bool decode = false,
        CancellationToken cancellationToken = default)
    {
        long total = await _journal.ReadHighestOffsetAsync(cancellationToken).ConfigureAwait(false);
        var last = new Dictionary<string, long>(StringComparer.Ordinal);
        var damages = new List<JournalDamage>();
        long rows = 0;
        await foreach (PersistentRepr row in _journal.ScanRowsAsync(0, cancellationToken).ConfigureAwait(false))
        {
            rows++;
            uint computed = row.ComputeChecksum();
            if (computed != row.Checksum)
            {
                damages.Add(new JournalDamage(row.PersistenceId, row.SequenceNr, row.Ordering, DamageKind.ChecksumMismatch,
                    $"stored {row.Checksum:x8}, computed {computed:x8}"));
            }

            long previous = last.GetValueOrDefault(row.PersistenceId);
            if (row.SequenceNr <= previous)
            {
                damages.Add(new JournalDamage(row.PersistenceId, row.SequenceNr, row.Ordering, DamageKind.SequenceOutOfOrder,
                    $"follows #{previous}"));
            }
            else if (row.SequenceNr != previous + 1)
            {
                damages.Add(new JournalDamage(row.PersistenceId, row.SequenceNr, row.Ordering, DamageKind.SequenceGap,
                    $"expected #{previous + 1}"));
            }

            last[row.PersistenceId] = Math.Max(previous, row.SequenceNr);
            if (decode && computed == row.Checksum)
            {
                try
                {
                    _registry.Deserialize(row.Manifest, row.SchemaVersion, row.Payload);
                }
                catch (Exception ex) when (ex is UnknownManifestException or EndOfStreamException or IOException or InvalidOperationException)
                {
                    damages.Add(new JournalDamage(row.PersistenceId, row.SequenceNr, row.Ordering, DamageKind.Undecodable, ex.Message));
                }
            }

            if (rows % ProgressEvery == 0)
            {
                progress?.Report(new JournalProgress("verify", row.Ordering, total));
            }
        }

        progress?.Report(new JournalProgress("verify", total, total));
        return new VerifyReport(rows, last.Count, damages);
    }

    /// <summary>Writes rows as JSON Lines (one object per row; all ids, or one); returns the number of rows.</summary>
    public async Task<long> ExportJsonLinesAsync(TextWriter output, string? persistenceId = null, bool includeDeleted = false,
        IProgress<JournalProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        long total = await _journal.ReadHighestOffsetAsync(cancellationToken).ConfigureAwait(false);
        long count = 0;
        using var buffer = new MemoryStream();
        await foreach (PersistentRepr row in _journal.ScanRowsAsync(0, cancellationToken).ConfigureAwait(false))
        {
            if ((persistenceId is not null && row.PersistenceId != persistenceId) || (row.Deleted && !includeDeleted))
            {
                continue;
            }

            buffer.SetLength(0);
            using (var json = new Utf8JsonWriter(buffer))
            {
                WriteJson(json, row);
            }

            await output.WriteLineAsync(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)).ConfigureAwait(false);
            count++;
            if (count % ProgressEvery == 0)
            {
                progress?.Report(new JournalProgress("export", row.Ordering, total));
            }
        }

        progress?.Report(new JournalProgress("export", total, total));
        return count;
    }

    private void WriteJson(Utf8JsonWriter json, PersistentRepr row)
    {
        json.WriteStartObject();
        json.WriteNumber("offset", row.Ordering);
        json.WriteString("persistence_id", row.PersistenceId);
        json.WriteNumber("sequence_nr", row.SequenceNr);
        json.WriteString("manifest", row.Manifest);
        json.WriteNumber("schema_version", row.SchemaVersion);
        json.WriteString("timestamp", Time(row.TimestampMs));
        json.WriteNumber("writer_epoch", row.WriterEpoch);
        json.WriteBoolean("deleted", row.Deleted);
        json.WriteBoolean("checksum_ok", row.ComputeChecksum() == row.Checksum);
        json.WriteBase64String("payload", row.Payload);
        json.WriteString("event", Describe(row));
        json.WriteEndObject();
    }

    private string Describe(PersistentRepr row)
    {
        try
        {
            return _registry.Deserialize(row.Manifest, row.SchemaVersion, row.Payload).ToString() ?? string.Empty;
        }
        catch (Exception ex) when (ex is UnknownManifestException or EndOfStreamException or IOException or InvalidOperationException)
        {
            return $"<undecodable: {ex.Message}>";
        }
    }

    private static string Time(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
