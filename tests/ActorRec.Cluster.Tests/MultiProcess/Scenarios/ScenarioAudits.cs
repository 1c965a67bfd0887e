namespace ActorRec.Cluster.Tests.MultiProcess.Scenarios;

/// <summary>One journaled interaction of an entity: its sequence number, the writer's fencing epoch and the event id.</summary>
public sealed record JournaledEvent(long SequenceNr, long WriterEpoch, string EventId);

/// <summary>One row of <c>GET /admin/shards</c>.</summary>
public sealed record ShardRow(string Type, int Shard, string? Node, int Entities, long Epoch, string Status);

/// <summary>
/// The scenarios' verdicts, as pure functions of what was observed (so each one is unit-tested with made-up
/// observations, including the ones that must fail).
/// <para>
/// <b>Lost</b>: an acknowledged event id that is missing from its entity's journal (checked for the user and for the
/// video of every event: the API acknowledges only when both are durable).
/// </para>
/// <para>
/// <b>Fencing violation of acknowledged writes</b>, per persistence id, rows in sequence order: (1) a writer epoch
/// lower than an earlier row's (a stale owner wrote after a newer owner had written: the journal fence let a write
/// through that it should have refused); (2) with <c>requireEpochs</c> (sharded nodes), a row written without an
/// epoch (0: unfenced); (3) a row whose epoch is above the shard's current epoch in the allocation (an owner that
/// the coordinator never appointed).
/// </para>
/// <para>
/// <b>Duplicate live entity</b>: (1) the same event id journaled twice for one entity (two live copies each applied
/// a retried event: the idempotency check of one copy cannot see the other's state); (2) an entity's live
/// <c>eventCount</c> that differs from its acknowledged distinct events (a second copy took writes the first does
/// not hold); (3) a shard map sample in which a shard of a type is listed twice, or a shard that reports more resident
/// entities than distinct ids of that shard the scenario ever touched in two successive samples at the same epoch
/// (a copy resident on a second node is counted twice when every region reports its residents; one sample alone
/// is not proof, because the regions answer at slightly different instants: a sample that straddles a handoff
/// can count the old owner's entities before they stopped and the new owner's after they started).
/// </para>
/// Events in doubt (an attempt failed and the batch was never acknowledged) may be present once or absent.
/// </summary>
public static class ScenarioAudits
{
    /// <summary>Checks one type of entity's journals against the ledger; returns one line per violation.</summary>
    /// <param name="type">Entity type ("user", "video"): the persistence-id prefix.</param>
    /// <param name="acknowledged">Acknowledged event ids per entity id.</param>
    /// <param name="inDoubt">Event ids that may or may not have been applied.</param>
    /// <param name="journals">Journaled interactions per entity id (any order; sorted here by sequence number).</param>
    /// <param name="requireEpochs">Sharded writes must carry a fencing epoch.</param>
    /// <param name="currentEpochOf">The entity's shard's current epoch, when known.</param>
    public static IReadOnlyList<string> AuditJournals(
        string type,
        IReadOnlyDictionary<string, IReadOnlySet<string>> acknowledged,
        IReadOnlySet<string> inDoubt,
        IReadOnlyDictionary<string, IReadOnlyList<JournaledEvent>> journals,
        bool requireEpochs,
        Func<string, long?>? currentEpochOf = null)
    {
        ArgumentNullException.ThrowIfNull(acknowledged);
        ArgumentNullException.ThrowIfNull(inDoubt);
        ArgumentNullException.ThrowIfNull(journals);
        var violations = new List<string>();
        foreach (var (entity, ids) in acknowledged)
        {
            var journaled = journals.TryGetValue(entity, out var rows)
                ? rows.Select(r => r.EventId).ToHashSet(StringComparer.Ordinal)
                : [];
            foreach (var id in ids.Where(id => !journaled.Contains(id)).Order(StringComparer.Ordinal))
            {
                violations.Add($"lost: acknowledged event {id} is not in the journal of {type}/{entity}");
            }
        }

        foreach (var (entity, rows) in journals)
        {
            var ordered = rows.OrderBy(r => r.SequenceNr).ToList();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var known = acknowledged.TryGetValue(entity, out var acked) ? acked : new HashSet<string>();
            var current = currentEpochOf?.Invoke(entity);
            for (var i = 0; i < ordered.Count; i++)
            {
                var row = ordered[i];
                if (!seen.Add(row.EventId))
                {
                    violations.Add($"duplicate: event {row.EventId} journaled twice for {type}/{entity} (second at seq {row.SequenceNr}, epoch {row.WriterEpoch})");
                }

                if (!known.Contains(row.EventId) && !inDoubt.Contains(row.EventId))
                {
                    violations.Add($"unknown: {type}/{entity} seq {row.SequenceNr} holds event {row.EventId}, never acknowledged nor in doubt");
                }

                if (i > 0 && row.WriterEpoch < ordered[i - 1].WriterEpoch)
                {
                    violations.Add($"fencing: {type}/{entity} seq {row.SequenceNr} written with epoch {row.WriterEpoch} after seq {ordered[i - 1].SequenceNr} with epoch {ordered[i - 1].WriterEpoch}");
                }

                if (requireEpochs && row.WriterEpoch == 0)
                {
                    violations.Add($"fencing: {type}/{entity} seq {row.SequenceNr} written without a fencing epoch");
                }

                if (current is { } epoch && row.WriterEpoch > epoch)
                {
                    violations.Add($"fencing: {type}/{entity} seq {row.SequenceNr} has epoch {row.WriterEpoch}, above its shard's current epoch {epoch}");
                }
            }
        }

        return violations;
    }

    /// <summary>Checks live event counts: acknowledged ≤ count ≤ acknowledged + in doubt, per entity.</summary>
    /// <param name="type">Entity type ("user", "video"): the persistence-id prefix.</param>
    /// <param name="acknowledged">Acknowledged event ids per entity id.</param>
    /// <param name="inDoubtPerEntity">Events in doubt per entity id.</param>
    /// <param name="eventCounts">The <c>eventCount</c> each entity answered.</param>
    public static IReadOnlyList<string> AuditEventCounts(
        string type,
        IReadOnlyDictionary<string, IReadOnlySet<string>> acknowledged,
        IReadOnlyDictionary<string, int> inDoubtPerEntity,
        IReadOnlyDictionary<string, long> eventCounts)
    {
        ArgumentNullException.ThrowIfNull(acknowledged);
        ArgumentNullException.ThrowIfNull(inDoubtPerEntity);
        ArgumentNullException.ThrowIfNull(eventCounts);
        var violations = new List<string>();
        foreach (var (entity, ids) in acknowledged)
        {
            var doubt = inDoubtPerEntity.GetValueOrDefault(entity);
            if (!eventCounts.TryGetValue(entity, out var count))
            {
                violations.Add($"state: {type}/{entity} did not answer its eventCount");
            }
            else if (count < ids.Count || count > ids.Count + doubt)
            {
                violations.Add($"state: {type}/{entity} eventCount {count}, acknowledged {ids.Count}" + (doubt > 0 ? $" (+{doubt} in doubt)" : ""));
            }
        }

        return violations;
    }

    /// <summary>Checks one shard map sample (see the class remarks, duplicate live entity (3)).</summary>
    /// <param name="rows">The sample.</param>
    /// <param name="touchedPerShard">Distinct entity ids the scenario sent anything to, per (type, shard).</param>
    /// <param name="nodes">Names of every node the scenario started.</param>
    /// <param name="excess">In: the (type, shard, epoch) keys that had more residents than ids in the previous
    /// sample; out: those of this sample. A key in both is a violation.</param>
    public static IReadOnlyList<string> AuditShardMap(
        IReadOnlyList<ShardRow> rows,
        Func<string, int, int> touchedPerShard,
        IReadOnlySet<string> nodes,
        ISet<(string Type, int Shard, long Epoch)> excess)
    {
        ArgumentNullException.ThrowIfNull(excess);
        var before = new HashSet<(string, int, long)>(excess);
        excess.Clear();
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(touchedPerShard);
        ArgumentNullException.ThrowIfNull(nodes);
        var violations = new List<string>();
        var listed = new HashSet<(string, int)>();
        foreach (var row in rows)
        {
            if (!listed.Add((row.Type, row.Shard)))
            {
                violations.Add($"shard map: {row.Type} shard {row.Shard} listed twice");
            }

            if (row.Node is { } node && !nodes.Contains(node))
            {
                violations.Add($"shard map: {row.Type} shard {row.Shard} on unknown node {node}");
            }

            var touched = touchedPerShard(row.Type, row.Shard);
            if (row.Entities > touched && excess.Add((row.Type, row.Shard, row.Epoch)) && before.Contains((row.Type, row.Shard, row.Epoch)))
            {
                violations.Add($"duplicate entity: {row.Type} shard {row.Shard} reports {row.Entities} resident entities at epoch {row.Epoch} in two successive samples, but only {touched} distinct ids of it were ever used");
            }
        }

        return violations;
    }

    /// <summary>Epochs of a shard never go down from one sample to the next (a new owner always gets a higher one).</summary>
    public static IReadOnlyList<string> AuditEpochsGrow(IReadOnlyList<ShardRow> earlier, IReadOnlyList<ShardRow> later)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        ArgumentNullException.ThrowIfNull(later);
        var before = new Dictionary<(string, int), ShardRow>();
        foreach (var row in earlier)
        {
            before[(row.Type, row.Shard)] = row;
        }

        var violations = new List<string>();
        foreach (var row in later)
        {
            if (before.TryGetValue((row.Type, row.Shard), out var old))
            {
                if (row.Epoch < old.Epoch)
                {
                    violations.Add($"shard map: {row.Type} shard {row.Shard} epoch went from {old.Epoch} to {row.Epoch}");
                }
                else if (row.Epoch == old.Epoch && old.Node is not null && row.Node is not null && row.Node != old.Node)
                {
                    violations.Add($"shard map: {row.Type} shard {row.Shard} moved from {old.Node} to {row.Node} without a new epoch ({row.Epoch})");
                }
            }
        }

        return violations;
    }
}
