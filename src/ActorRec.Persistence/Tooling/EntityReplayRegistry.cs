namespace ActorRec.Persistence.Tooling;

/// <summary>
/// How to rebuild and print an entity's state from its events, keyed by persistence-id prefix ("user-", "video-").
/// Domain code registers its own transition function (the one its actor uses), so a replay shows exactly what the
/// live entity computed.
/// </summary>
public sealed class EntityReplayRegistry
{
    private readonly List<Entry> _entries = [];

    /// <summary>Registers the entity kind whose persistence ids start with <paramref name="prefix"/>.</summary>
    public EntityReplayRegistry Register<TState>(string prefix, Func<TState> initial, Func<TState, object, TState> apply,
        Func<TState, string>? print = null)
        where TState : notnull
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(apply);
        foreach (Entry e in _entries)
        {
            if (e.Prefix == prefix)
            {
                throw new ArgumentException($"Replay prefix '{prefix}' is already registered.", nameof(prefix));
            }
        }

        _entries.Add(new Entry(prefix, () => initial(), (s, e) => apply((TState)s, e), s => print is null ? s.ToString() ?? string.Empty : print((TState)s)));
        return this;
    }

    /// <summary>The entity kind of <paramref name="persistenceId"/> (longest matching prefix), or null.</summary>
    public EntityReplayer? Find(string persistenceId)
    {
        ArgumentNullException.ThrowIfNull(persistenceId);
        Entry? best = null;
        foreach (Entry e in _entries)
        {
            if (persistenceId.StartsWith(e.Prefix, StringComparison.Ordinal) && (best is null || e.Prefix.Length > best.Prefix.Length))
            {
                best = e;
            }
        }

        return best is null ? null : new EntityReplayer(best.Prefix, best.Initial, best.Apply, best.Print);
    }

    private sealed record Entry(string Prefix, Func<object> Initial, Func<object, object, object> Apply, Func<object, string> Print);
}

/// <summary>The replay functions of one entity kind.</summary>
public sealed record EntityReplayer(string Prefix, Func<object> Initial, Func<object, object, object> Apply, Func<object, string> Print);
