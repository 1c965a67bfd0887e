using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ActorRec.Recommender.Domain;

namespace ActorRec.Server.Tests.Api;

public sealed class FeedApiTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("actorrec-feed-api-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Put_video_answers_201_when_new_and_200_when_updated()
    {
        await using var node = await FeedTestNode.StartAsync(_dir.FullName);
        var body = """{"creatorId":"c1","durationMs":15000,"hashtags":["#Cats"],"caption":"a cat","soundId":"s1","region":"US"}""";

        var created = await node.Client.PutAsync("/v1/videos/v1", Json(body));
        var updated = await node.Client.PutAsync("/v1/videos/v1", Json(body));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var video = await node.GetAsync<VideoStateDto>("/v1/videos/v1");
        Assert.Equal(["cats"], video.Hashtags);
        Assert.Equal(0, video.EventCount);
    }

    [Fact]
    public async Task An_event_changes_the_next_feed()
    {
        await using var node = await FeedTestNode.StartAsync(_dir.FullName);
        string[] topics = ["cats", "dogs", "cooking", "soccer", "guitar"];
        for (var i = 0; i < 50; i++)
        {
            await node.PutVideoAsync($"v{i}", topics[i % topics.Length], $"c{i}");
        }

        var before = await node.GetAsync<FeedResponseDto>("/v1/feed/u1?count=10&region=US&explain=true");
        Assert.Equal(10, before.Items.Count);
        var watched = before.Items[0].VideoId;

        var accepted = await node.PostEventsAsync(
            FeedTestNode.Event("e1", "view", "u1", watched),
            FeedTestNode.Event("e2", "like", "u1", watched));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(2, (await accepted.Content.ReadFromJsonAsync<AcceptedDto>(FeedTestNode.Json))!.Accepted);

        var after = await node.GetAsync<FeedResponseDto>("/v1/feed/u1?count=10&region=US&explain=true");
        Assert.DoesNotContain(after.Items, it => it.VideoId == watched);
        Assert.NotEqual(Ids(before), Ids(after));
        Assert.Contains(after.Items, it => it.Sources.Contains("similar"));
        Assert.All(after.Items, it => Assert.NotNull(it.Explain));
        var user = await node.GetAsync<UserStateDto>("/v1/users/u1");
        Assert.Equal(2, user.EventCount);
        Assert.Contains(watched, user.RecentVideos);
    }

    [Fact]
    public async Task A_feed_says_which_user_state_it_reflects_in_the_event_count_header()
    {
        await using var node = await FeedTestNode.StartAsync(_dir.FullName);
        await node.PutVideoAsync("v1", "cats");
        await node.PutVideoAsync("v2", "dogs");

        using var first = await node.Client.GetAsync("/v1/feed/u7?count=5");
        Assert.Equal("0", Assert.Single(first.Headers.GetValues(Server.Api.FeedApi.UserEventCountHeader)));

        Assert.Equal(HttpStatusCode.Accepted, (await node.PostEventsAsync(
            FeedTestNode.Event("h1", "view", "u7", "v1"), FeedTestNode.Event("h2", "like", "u7", "v1"), FeedTestNode.Event("h3", "view", "u7", "v2"))).StatusCode);

        using var second = await node.Client.GetAsync("/v1/feed/u7?count=5");
        var user = await node.GetAsync<UserStateDto>("/v1/users/u7");
        Assert.Equal(3, user.EventCount);
        Assert.Equal("3", Assert.Single(second.Headers.GetValues(Server.Api.FeedApi.UserEventCountHeader)));
    }

    [Fact]
    public async Task Resent_events_are_accepted_but_not_applied_twice()
    {
        await using var node = await FeedTestNode.StartAsync(_dir.FullName);
        await node.PutVideoAsync("v1", "cats");
        var events = new[] { FeedTestNode.Event("e1", "view", "u1", "v1"), FeedTestNode.Event("e2", "share", "u1", "v1") };

        Assert.Equal(HttpStatusCode.Accepted, (await node.PostEventsAsync(events)).StatusCode);
        var video = await node.GetAsync<VideoStateDto>("/v1/videos/v1");
        var user = await node.GetAsync<UserStateDto>("/v1/users/u1");
        var again = await node.PostEventsAsync(events);

        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var video2 = await node.GetAsync<VideoStateDto>("/v1/videos/v1");
        var user2 = await node.GetAsync<UserStateDto>("/v1/users/u1");
        Assert.Equal(2, video.EventCount);
        Assert.Equal(video.EventCount, video2.EventCount);
        Assert.Equal(video.EmbeddingNorm, video2.EmbeddingNorm);
        Assert.Equal(user.EventCount, user2.EventCount);
        Assert.Equal(1, video2.Shares);
    }

    [Fact]
    public async Task Restarting_on_the_same_data_dir_recovers_the_state_from_the_journal()
    {
        VideoStateDto video;
        UserStateDto user;
        await using (var node = await FeedTestNode.StartAsync(_dir.FullName))
        {
            await node.PutVideoAsync("v1", "cats");
            await node.PutVideoAsync("v2", "dogs");
            await node.PostEventsAsync(FeedTestNode.Event("e1", "view", "u1", "v1"), FeedTestNode.Event("e2", "skip", "u1", "v2", 500));
            await node.PostEventsAsync(FeedTestNode.Event("e3", "follow", "u1", "v1"));
            video = await node.GetAsync<VideoStateDto>("/v1/videos/v1");
            user = await node.GetAsync<UserStateDto>("/v1/users/u1");
        }

        await using var restarted = await FeedTestNode.StartAsync(_dir.FullName);
        var video2 = await restarted.GetAsync<VideoStateDto>("/v1/videos/v1");
        var user2 = await restarted.GetAsync<UserStateDto>("/v1/users/u1");

        Assert.Equal(2, video2.EventCount);
        Assert.Equal(video.EventCount, video2.EventCount);
        Assert.Equal(video.EmbeddingNorm, video2.EmbeddingNorm);
        Assert.Equal(3, user2.EventCount);
        Assert.Equal(user.EmbeddingNorm, user2.EmbeddingNorm);
        Assert.Equal(user.Follows, user2.Follows);
        Assert.NotNull(await restarted.GetAsync<VideoStateDto>("/v1/videos/v2"));
        var feed = await restarted.GetAsync<FeedResponseDto>("/v1/feed/u1?count=5");
        Assert.DoesNotContain(feed.Items, it => it.VideoId == "v1");
    }

    public static TheoryData<string, string, string, int, string> BadInputs() => new()
    {
        { "POST", "/v1/events", "{\"events\":[", 400, "body" },
        { "POST", "/v1/events", "[1,2]", 400, "body" },
        { "POST", "/v1/events", """{"events":[{"id":"e1","type":"view","userId":"u1","videoId":"v1","timestamp":"2026-11-21T10:00:00Z","watchMs":"long"}]}""", 400, "events[0].watchMs" },
        { "POST", "/v1/events", """{"events":[{"id":"e1","type":"stare","userId":"u1","videoId":"v1","timestamp":"2026-11-21T10:00:00Z"}]}""", 400, "events[0].type" },
        { "POST", "/v1/events", """{"events":[{"id":"e1","type":"like","userId":"u1","videoId":"v1","timestamp":"yesterday"}]}""", 400, "events[0].timestamp" },
        { "POST", "/v1/events", """{"events":[{"id":"e1","type":"like","userId":"u1","videoId":"v1","timestamp":"2999-01-01T00:00:00Z"}]}""", 400, "events[0].timestamp" },
        { "POST", "/v1/events", """{"events":[{"id":"e1","type":"like","userId":"u1","videoId":"nope","timestamp":"2026-11-21T10:00:00Z"}]}""", 400, "events[0].videoId" },
        { "POST", "/v1/events", """{"events":[]}""", 400, "events" },
        { "PUT", "/v1/videos/v9", """{"creatorId":"c1","durationMs":15000,"contentEmbedding":[1,2,3]}""", 400, "contentEmbedding" },
        { "PUT", "/v1/videos/v9", """{"creatorId":"c1","durationMs":15000,"contentEmbedding":["NaN"]}""", 400, "contentEmbedding" },
        { "PUT", "/v1/videos/v9", """{"creatorId":"c1","durationMs":-5}""", 400, "durationMs" },
        { "PUT", "/v1/videos/v9", """{"durationMs":5000}""", 400, "creatorId" },
        { "PUT", "/v1/videos/v9", """{"creatorId":7,"durationMs":5000}""", 400, "creatorId" },
        { "GET", "/v1/feed/u1?count=abc", "", 400, "count" },
        { "GET", "/v1/feed/u1?count=100000", "", 400, "count" },
        { "GET", "/v1/feed/u1?explain=maybe", "", 400, "explain" },
        { "GET", "/v1/trending", "", 400, "region" },
        { "GET", "/v1/videos/nope", "", 404, "videoId" },
        { "GET", "/v1/users/nobody", "", 404, "userId" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_is_a_problem_naming_the_field_and_applies_nothing(string method, string path, string body, int status, string field)
    {
        await using var node = await FeedTestNode.StartAsync(_dir.FullName);
        await node.PutVideoAsync("v1", "cats");

        var response = await Send(node, method, path, body);

        await AssertProblem(response, status, field);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Client.GetAsync("/v1/users/u1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Client.GetAsync("/v1/videos/v9")).StatusCode);
        Assert.Equal(0, (await node.GetAsync<VideoStateDto>("/v1/videos/v1")).EventCount);
    }

    [Fact]
    public async Task A_batch_with_one_unknown_video_applies_none_of_its_events()
    {
        await using var node = await FeedTestNode.StartAsync(_dir.FullName);
        await node.PutVideoAsync("v1", "cats");

        var response = await node.PostEventsAsync(FeedTestNode.Event("e1", "view", "u1", "v1"), FeedTestNode.Event("e2", "view", "u2", "v404"));

        await AssertProblem(response, 400, "events[1].videoId");
        Assert.Equal(0, (await node.GetAsync<VideoStateDto>("/v1/videos/v1")).EventCount);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Client.GetAsync("/v1/users/u1")).StatusCode);
    }

    [Fact]
    public async Task Oversized_bodies_and_too_many_events_are_refused()
    {
        await using var node = await FeedTestNode.StartAsync(_dir.FullName, maxBodyBytes: 4096);
        var huge = "{\"events\":[" + new string(' ', 5000) + "]}";
        await AssertProblem(await Send(node, "POST", "/v1/events", huge), 413, "body");

        var events = new StringBuilder("{\"events\":[");
        for (var i = 0; i <= FeedSettings.Default.Limits.MaxEventsPerBatch; i++)
        {
            events.Append(i == 0 ? "" : ",").Append("{}");
        }

        await using var big = await FeedTestNode.StartAsync(Path.Combine(_dir.FullName, "big"));
        await AssertProblem(await Send(big, "POST", "/v1/events", events.Append("]}").ToString()), 400, "events");
    }

    private static Task<HttpResponseMessage> Send(FeedTestNode node, string method, string path, string body) => method switch
    {
        "POST" => node.Client.PostAsync(path, Json(body)),
        "PUT" => node.Client.PutAsync(path, Json(body)),
        _ => node.Client.GetAsync(path),
    };

    private static async Task AssertProblem(HttpResponseMessage response, int status, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(text);
        Assert.Equal(field, doc.RootElement.GetProperty("field").GetString());
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string[] Ids(FeedResponseDto feed)
    {
        var ids = new string[feed.Items.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = feed.Items[i].VideoId;
        }

        return ids;
    }
}
