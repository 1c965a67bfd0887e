using ActorRec.Persistence;
using ActorRec.Recommender.Catalog;
using ActorRec.Recommender.Domain;
using ActorRec.Recommender.Entities;
using Xunit.Abstractions;

namespace ActorRec.Recommender.Tests.Entities;

/// <summary>
/// Memory of a resident user inside a running node (actor cell, mailbox, persistent-actor bookkeeping, the region's
/// and the journal's entries and the <c>UserState</c>), measured as the growth of the managed heap after
/// full collections over a few thousand users made resident through the engine, as <c>actorrec bench feed</c> does
/// for <c>bytes_per_user</c>. A memory bound, not a timing test; the figure is printed.
/// </summary>
[Collection(MemoryMeasurement.Name)]
public sealed class ResidentUserFootprintTests(ITestOutputHelper output)
{
    private const int Users = 2_000;
    private const int EventsPerUser = 8;

    private static long FullHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    [Fact]
    public async Task A_resident_user_with_a_few_events_stays_within_2_5_KB()
    {
        var dir = Directory.CreateTempSubdirectory("actorrec-footprint-");
        try
        {
            var engine = FeedEngine.Open(FeedSettings.Default, EntitySettings.Create(passivateAfter: TimeSpan.Zero),
                PersistenceSettings.Create("sqlite", dir.FullName));
            await using (engine)
            {
                var start = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
                await engine.SeedDemoCatalogAsync(new DemoCatalogOptions { Videos = 200, Now = start });
                await IngestAsync(engine, "warm", 100, start);
                var before = FullHeap();
                await IngestAsync(engine, "m", Users, start);
                var perUser = (FullHeap() - before) / (double)Users;
                var resident = (await engine.GetRegionStatsAsync(engine.Users)).Entities;
                output.WriteLine($"bytes per resident user ({EventsPerUser} events each): {perUser:0}");
                Assert.Equal(Users + 100, resident);
                // Measured 1.95 KB (2.4 KB before idle entities released their mailbox ring, shared one Props per
                // region and embedded the state's rings and tables; 6.3 KB before the cell stopped keeping the last
                // ask's reply alive). The bound leaves room for runtime and GC variation.
                Assert.InRange(perUser, 512, 2_560);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task IngestAsync(FeedEngine engine, string prefix, int users, DateTimeOffset start)
    {
        const int UsersPerBatch = 100;
        for (var first = 0; first < users; first += UsersPerBatch)
        {
            var batch = new List<InteractionEvent>(UsersPerBatch * EventsPerUser);
            for (var u = first; u < Math.Min(users, first + UsersPerBatch); u++)
            {
                for (var j = 0; j < EventsPerUser; j++)
                {
                    var type = j % 4 == 1 ? InteractionType.Like : InteractionType.View;
                    batch.Add(new InteractionEvent($"{prefix}-u{u}-e{j}", type, $"{prefix}-u{u}", $"v{(u + j) % 20}", start.AddSeconds(j), 9_000, 15_000, 0, "US", "ios"));
                }
            }

            var result = await engine.IngestAsync(batch);
            Assert.True(result.IsValid);
        }
    }
}

/// <summary>Tests that measure the managed heap run alone: a test running beside them would count in their figures.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurement
{
    public const string Name = "memory measurement";
}
