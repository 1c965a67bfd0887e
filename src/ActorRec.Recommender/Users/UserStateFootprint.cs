using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Users;

/// <summary>Measured memory of resident users (used by <c>actorrec bench feed</c> as <c>bytes_per_user</c>).</summary>
public static class UserStateFootprint
{
    /// <summary>
    /// Creates <paramref name="users"/> users, applies <paramref name="eventsPerUser"/> view events to each (with
    /// follows and not-interested mixed in, so lazily allocated parts exist), and returns the bytes allocated on this
    /// thread per user and the growth of the managed heap per user with all of them alive (after full GCs).
    /// Only the states count: events, facts and negatives are built before measuring.
    /// </summary>
    public static (double AllocatedPerUser, double RetainedPerUser) Measure(FeedSettings settings, int users = 10_000, int eventsPerUser = 40)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(users, 1);
        var dim = settings.EmbeddingDim;
        var start = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
        var facts = new VideoFacts[64];
        for (var i = 0; i < facts.Length; i++)
        {
            var emb = new float[dim];
            emb[i % dim] = 1f;
            facts[i] = new VideoFacts($"v{i}", $"c{i % 7}", $"t{i % 5}", 15_000, emb);
        }

        var ids = new string[users];
        for (var u = 0; u < users; u++)
        {
            ids[u] = $"u{u}";
        }

        var events = new InteractionEvent[eventsPerUser];
        var negatives = new float[settings.Learning.NegativeSamples * dim];

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var states = new UserState[users];
        var heapBefore = GC.GetTotalMemory(true);
        var allocBefore = GC.GetAllocatedBytesForCurrentThread();
        for (var u = 0; u < users; u++)
        {
            states[u] = new UserState(ids[u], settings);
        }

        var allocAfterCreate = GC.GetAllocatedBytesForCurrentThread();
        // The array that keeps the states alive stands in for the actor system's own bookkeeping: not counted.
        // (It is allocated before the heap baseline above.)
        for (var u = 0; u < users; u++)
        {
            var user = ids[u];
            for (var j = 0; j < eventsPerUser; j++)
            {
                var type = j % 20 == 7 ? InteractionType.Follow : j % 20 == 13 ? InteractionType.NotInterested : InteractionType.View;
                events[j] = new InteractionEvent($"{user}-{j}", type, user, facts[(u + j) % facts.Length].VideoId, start.AddSeconds(j * 20), 12_000, 15_000, 0, "US", "ios");
            }

            for (var j = 0; j < eventsPerUser; j++)
            {
                states[u].Apply(events[j], facts[(u + j) % facts.Length], negatives);
            }
        }

        var heapAfter = GC.GetTotalMemory(true);
        GC.KeepAlive(states);
        // Event records built inside the loop are garbage and excluded by the full GC in GetTotalMemory; the
        // allocation figure counts construction only.
        return ((double)(allocAfterCreate - allocBefore) / users, (double)(heapAfter - heapBefore) / users);
    }
}
