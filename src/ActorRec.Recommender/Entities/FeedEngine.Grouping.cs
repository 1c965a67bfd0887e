using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Entities;

// Grouping of an ingest batch by user and by video without a dictionary of lists per call: a POST holds a few
// events (10 in the benchmark), so the distinct ids are found by a scan, and a dictionary is used only for large
// batches. Each group's event indexes keep the batch order, which is the order the entity applies them in.
public sealed partial class FeedEngine
{
    private const int ScanGroupingLimit = 32;

    /// <summary>Indexes of the events of a batch, grouped by user or by video id.</summary>
    private readonly struct EventGroups
    {
        private EventGroups(string[] ids, int[][] members)
        {
            Ids = ids;
            Members = members;
        }

        /// <summary>The distinct ids, in order of first appearance.</summary>
        public string[] Ids { get; }

        /// <summary>For each id, the indexes of its events in batch order.</summary>
        public int[][] Members { get; }

        public int Count => Ids.Length;

        public static EventGroups By(IReadOnlyList<InteractionEvent> events, bool byVideo)
        {
            var n = events.Count;
            Span<int> groupOf = n <= 256 ? stackalloc int[n] : new int[n];
            var ids = new string[n];
            var count = 0;
            Dictionary<string, int>? large = n > ScanGroupingLimit ? new Dictionary<string, int>(n, StringComparer.Ordinal) : null;
            for (var i = 0; i < n; i++)
            {
                var id = byVideo ? events[i].VideoId : events[i].UserId;
                var g = -1;
                if (large is null)
                {
                    for (var j = 0; j < count; j++)
                    {
                        if (string.Equals(ids[j], id, StringComparison.Ordinal))
                        {
                            g = j;
                            break;
                        }
                    }
                }
                else if (large.TryGetValue(id, out var found))
                {
                    g = found;
                }

                if (g < 0)
                {
                    g = count++;
                    ids[g] = id;
                    large?.Add(id, g);
                }

                groupOf[i] = g;
            }

            if (count < n)
            {
                Array.Resize(ref ids, count);
            }

            Span<int> sizes = count <= 256 ? stackalloc int[count] : new int[count];
            sizes.Clear();
            for (var i = 0; i < n; i++)
            {
                sizes[groupOf[i]]++;
            }

            var members = new int[count][];
            for (var g = 0; g < count; g++)
            {
                members[g] = new int[sizes[g]];
                sizes[g] = 0;
            }

            for (var i = 0; i < n; i++)
            {
                var g = groupOf[i];
                members[g][sizes[g]++] = i;
            }

            return new EventGroups(ids, members);
        }
    }
}
