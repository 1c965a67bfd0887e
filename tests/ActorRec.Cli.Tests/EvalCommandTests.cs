using System.Text.Json;

namespace ActorRec.Cli.Tests;

/// <summary><c>actorrec eval</c> end to end on a tiny MovieLens-format data set written to a temp folder.</summary>
public sealed class EvalCommandTests
{
    // Ten ratings (user, item, rating, time). With the first 80% training only, two positives are scored:
    // t=9: user 3 likes item 2. Popularity counts so far: item1 3, item2 2, item3 1; user 3 has seen item 1,
    //      so the list is item2, item3, … → rank 0: HR 1, NDCG 1.
    // t=10: user 4 likes item 3. Counts: item1 3, item2 3, item3 1 (ties by first appearance); user 4 has seen
    //      items 4 and 5 → item1, item2, item3 → rank 2: HR 1, NDCG 1/log2(4) = 0.5.
    // Popularity: hr10 = 1, ndcg10 = (1 + 0.5) / 2 = 0.75, recall50 = 1.
    private const string Ratings =
        "1\t1\t5\t1\n2\t1\t5\t2\n3\t1\t4\t3\n1\t2\t5\t4\n2\t2\t4\t5\n1\t3\t4\t6\n4\t4\t2\t7\n4\t5\t1\t8\n3\t2\t5\t9\n4\t3\t4\t10\n";

    [Fact]
    public async Task Json_has_exactly_the_contract_keys_and_the_hand_computed_popularity_metrics()
    {
        using var dir = new TempDir();
        dir.Write("data/ml-100k/u.data", Ratings);

        var result = await CliRunner.RunAsync(dir.Path, "eval", "--dataset", "ml-100k", "--data-root", Path.Combine(dir.Path, "data"), "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(["dataset", "events", "models"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("ml-100k", root.GetProperty("dataset").GetString());
        Assert.Equal(10, root.GetProperty("events").GetInt32());
        var models = root.GetProperty("models");
        Assert.Equal(["actorrec", "popularity", "batch_mf"], models.EnumerateObject().Select(p => p.Name));
        foreach (var model in models.EnumerateObject())
        {
            Assert.Equal(["hr10", "ndcg10", "recall50"], model.Value.EnumerateObject().Select(p => p.Name));
            foreach (var metric in model.Value.EnumerateObject())
            {
                Assert.InRange(metric.Value.GetDouble(), 0.0, 1.0);
            }
        }

        var popularity = models.GetProperty("popularity");
        Assert.Equal(1.0, popularity.GetProperty("hr10").GetDouble(), 6);
        Assert.Equal(0.75, popularity.GetProperty("ndcg10").GetDouble(), 6);
        Assert.Equal(1.0, popularity.GetProperty("recall50").GetDouble(), 6);
        Assert.Contains("positives evaluated", result.Error);
    }

    [Fact]
    public async Task Without_json_it_prints_a_table_of_the_three_models()
    {
        using var dir = new TempDir();
        dir.Write("data/ml-100k/u.data", Ratings);

        var result = await CliRunner.RunAsync(dir.Path, "eval", "--dataset", "ml-100k", "--data-root", Path.Combine(dir.Path, "data"));

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("HR@10", result.Output);
        foreach (var name in new[] { "actorrec", "popularity", "batch_mf" })
        {
            Assert.Contains(name, result.Output);
        }
    }

    [Fact]
    public async Task An_absent_data_set_is_a_clear_message_and_a_non_zero_exit()
    {
        using var dir = new TempDir();

        var result = await CliRunner.RunAsync(dir.Path, "eval", "--dataset", "ml-1m", "--data-root", Path.Combine(dir.Path, "nowhere"), "--json");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("not found", result.Error);
        Assert.Contains("ratings_first487650.dat", result.Error);
        Assert.Equal(string.Empty, result.Output);
    }

    [Fact]
    public async Task An_unknown_data_set_name_is_a_usage_error()
    {
        using var dir = new TempDir();

        var result = await CliRunner.RunAsync(dir.Path, "eval", "--dataset", "netflix", "--data-root", dir.Path);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("netflix", result.Error);
    }

    [Fact]
    public async Task Bench_ann_json_reports_recall_and_the_speed_up_ratio()
    {
        using var dir = new TempDir();

        var result = await CliRunner.RunAsync(dir.Path, "bench", "ann", "--vectors", "3000", "--queries", "20", "--k", "10", "--ef", "64", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        Assert.True(json.RootElement.GetProperty("recall").GetDouble() >= 0.9);
        Assert.True(json.RootElement.GetProperty("speedup").GetDouble() > 0);
        Assert.Equal(3000, json.RootElement.GetProperty("vectors").GetInt32());
    }
}
