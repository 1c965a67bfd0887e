namespace ActorRec.Server.Tests.Sharding;

/// <summary>
/// Waits until a condition over in-process cluster state holds (membership, shard homes, a cut connection seen):
/// the condition decides, polled every 20 ms; the guard only turns a hang into a failure naming what was awaited.
/// </summary>
internal static class Until
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan guard, string what)
    {
        var deadline = DateTime.UtcNow + guard;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            await Task.Delay(20); // a poll interval, not a wait for something to happen: the condition decides
        }
    }

    public static Task HoldsAsync(Func<bool> condition, TimeSpan guard, string what) => HoldsAsync(() => Task.FromResult(condition()), guard, what);
}
