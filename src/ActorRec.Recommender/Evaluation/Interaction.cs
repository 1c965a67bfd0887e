using System.Diagnostics;

namespace ActorRec.Recommender.Evaluation;

/// <summary>One logged interaction with dense ids (0..users-1, 0..items-1).</summary>
/// <param name="User">Dense user index.</param>
/// <param name="Item">Dense item index.</param>
/// <param name="Timestamp">Unix time in milliseconds (only the order matters).</param>
/// <param name="Positive">Whether the interaction counts as a positive (rating ≥ 4, or enough of the video watched).</param>
/// <param name="Strength">Raw signal: the rating, or the watch ratio.</param>
public readonly record struct Interaction(int User, int Item, long Timestamp, bool Positive, float Strength);

/// <summary>What <see cref="Interaction.Strength"/> holds in a data set.</summary>
public enum StrengthKind
{
    /// <summary>An explicit rating on a 1..5 scale (MovieLens).</summary>
    Rating,

    /// <summary>Play time divided by the video's duration (KuaiRand).</summary>
    WatchRatio,
}

/// <summary>A data set in time order, with dense ids and the original ids they stand for.</summary>
[DebuggerDisplay("{Name}: {Interactions.Length} interactions, {UserCount} users, {ItemCount} items")]
public sealed class InteractionDataset
{
    /// <summary>Builds a data set; sorts the interactions by time (stable, so file order breaks ties).</summary>
    public InteractionDataset(string name, Interaction[] interactions, long[] userIds, long[] itemIds)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(interactions);
        ArgumentNullException.ThrowIfNull(userIds);
        ArgumentNullException.ThrowIfNull(itemIds);
        Name = name;
        var keys = new long[interactions.Length];
        var order = new int[interactions.Length];
        for (var i = 0; i < interactions.Length; i++)
        {
            var e = interactions[i];
            if ((uint)e.User >= (uint)userIds.Length || (uint)e.Item >= (uint)itemIds.Length)
            {
                throw new ArgumentException($"Interaction {i} has user {e.User} / item {e.Item} outside the id tables.", nameof(interactions));
            }

            keys[i] = e.Timestamp;
            order[i] = i;
        }

        // Array.Sort is not stable: sort by (timestamp, file position) explicitly.
        Array.Sort(order, (a, b) => keys[a] != keys[b] ? keys[a].CompareTo(keys[b]) : a.CompareTo(b));
        var sorted = new Interaction[interactions.Length];
        for (var i = 0; i < order.Length; i++)
        {
            sorted[i] = interactions[order[i]];
        }

        Interactions = sorted;
        UserIds = userIds;
        ItemIds = itemIds;
    }

    /// <summary>What <see cref="Interaction.Strength"/> means in this data set (a rating unless the loader says otherwise).</summary>
    public StrengthKind StrengthKind { get; init; } = StrengthKind.Rating;

    /// <summary>Short name ("ml-100k", …).</summary>
    public string Name { get; }

    /// <summary>All interactions, oldest first.</summary>
    public Interaction[] Interactions { get; }

    /// <summary>Original user id of each dense user index.</summary>
    public long[] UserIds { get; }

    /// <summary>Original item id of each dense item index.</summary>
    public long[] ItemIds { get; }

    /// <summary>Number of distinct users.</summary>
    public int UserCount => UserIds.Length;

    /// <summary>Number of distinct items (the full ranking is over all of them).</summary>
    public int ItemCount => ItemIds.Length;

    /// <summary>Number of positive interactions.</summary>
    public int PositiveCount
    {
        get
        {
            var n = 0;
            foreach (var e in Interactions)
            {
                n += e.Positive ? 1 : 0;
            }

            return n;
        }
    }
}

/// <summary>Turns original ids into dense indices in first-seen order.</summary>
internal sealed class IdMap
{
    private readonly Dictionary<long, int> _map = new();
    private readonly List<long> _ids = new();

    public int this[long id]
    {
        get
        {
            if (!_map.TryGetValue(id, out var index))
            {
                index = _ids.Count;
                _map.Add(id, index);
                _ids.Add(id);
            }

            return index;
        }
    }

    public long[] ToArray() => _ids.ToArray();
}
