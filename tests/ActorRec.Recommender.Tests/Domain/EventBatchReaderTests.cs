using System.Text.Json;
using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Tests.Domain;

public sealed class EventBatchReaderTests
{
    private static readonly IngestLimits Limits = new();

    private const string GoodEvent =
        """{"id":"e1","type":"view","userId":"u1","videoId":"v1","timestamp":"2026-11-21T10:00:00Z","watchMs":12000,"durationMs":15000,"replays":0,"region":"US","device":"ios"}""";

    private static IReadOnlyList<ValidationError> Errors(string json)
    {
        var r = EventBatchReader.Read(json, Limits);
        Assert.False(r.IsValid);
        Assert.Null(r.Value);
        Assert.NotEmpty(r.Errors);
        return r.Errors;
    }

    private static string Batch(params string[] events) => $$"""{"events":[{{string.Join(',', events)}}]}""";

    [Fact]
    public void Reads_the_contract_example()
    {
        var r = EventBatchReader.Read(Batch(GoodEvent), Limits);
        Assert.True(r.IsValid, string.Join("; ", r.Errors));
        var e = Assert.Single(r.Value!);
        Assert.Equal(new InteractionEvent("e1", InteractionType.View, "u1", "v1", new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero), 12000, 15000, 0, "US", "ios"), e);
    }

    [Theory]
    [InlineData("like", InteractionType.Like)]
    [InlineData("share", InteractionType.Share)]
    [InlineData("comment", InteractionType.Comment)]
    [InlineData("follow", InteractionType.Follow)]
    [InlineData("skip", InteractionType.Skip)]
    [InlineData("not_interested", InteractionType.NotInterested)]
    public void Non_view_types_need_no_watch_time(string wire, InteractionType type)
    {
        var r = EventBatchReader.Read(Batch($$"""{"id":"e","type":"{{wire}}","userId":"u","videoId":"v","timestamp":"2026-11-21T10:00:00+01:00"}"""), Limits);
        Assert.True(r.IsValid, string.Join("; ", r.Errors));
        Assert.Equal(type, r.Value![0].Type);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero), r.Value[0].Timestamp);
    }

    [Fact]
    public void Malformed_json_is_reported_on_the_body()
    {
        var e = Assert.Single(Errors("""{"events":[{"id":"e1",}"""));
        Assert.Equal("$", e.Field);
        Assert.Contains("malformed JSON", e.Message);
    }

    [Theory]
    [InlineData("[]", "$")]
    [InlineData("{}", "events")]
    [InlineData("""{"events":{}}""", "events")]
    [InlineData("""{"events":[]}""", "events")]
    [InlineData("""{"events":[42]}""", "events[0]")]
    public void Bad_envelopes_name_the_field(string json, string field) => Assert.Equal(field, Assert.Single(Errors(json)).Field);

    [Fact]
    public void A_timestamp_too_far_ahead_of_the_server_clock_is_refused_naming_the_field()
    {
        var at = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero); // GoodEvent's timestamp
        var late = GoodEvent.Replace("\"e1\"", "\"e2\"", StringComparison.Ordinal);

        Assert.True(EventBatchReader.Read(Batch(GoodEvent), Limits, at - TimeSpan.FromMinutes(59)).IsValid);
        Assert.True(EventBatchReader.Read(Batch(GoodEvent), Limits).IsValid); // no clock given: no check

        var r = EventBatchReader.Read(Batch(late, GoodEvent), Limits, at - TimeSpan.FromHours(2));
        Assert.False(r.IsValid);
        Assert.Equal(["events[0].timestamp", "events[1].timestamp"], r.Errors.Select(e => e.Field));
        Assert.Contains("ahead of the server clock", r.Errors[0].Message, StringComparison.Ordinal);

        var strict = new IngestLimits { MaxFutureSkew = TimeSpan.Zero };
        Assert.False(EventBatchReader.Read(Batch(GoodEvent), strict, at - TimeSpan.FromSeconds(1)).IsValid);
        Assert.True(EventBatchReader.Read(Batch(GoodEvent), strict, at).IsValid);
    }

    [Fact]
    public void Too_many_events_per_batch_is_an_error()
    {
        var limits = new IngestLimits { MaxEventsPerBatch = 3 };
        var r = EventBatchReader.Read(Batch(GoodEvent, GoodEvent, GoodEvent, GoodEvent), limits);
        var e = Assert.Single(r.Errors);
        Assert.Equal("events", e.Field);
        Assert.Contains("at most 3", e.Message);
    }

    [Fact]
    public void Oversized_body_is_an_error()
    {
        var r = EventBatchReader.Read(Batch(GoodEvent), new IngestLimits { MaxEventBodyBytes = 100 });
        Assert.Contains("bytes", Assert.Single(r.Errors).Message);
    }

    [Fact]
    public void Unknown_type_lists_the_known_ones()
    {
        var e = Assert.Single(Errors(Batch(GoodEvent.Replace("\"view\"", "\"watch\""))));
        Assert.Equal("events[0].type", e.Field);
        Assert.Contains("not_interested", e.Message);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("type")]
    [InlineData("userId")]
    [InlineData("videoId")]
    [InlineData("timestamp")]
    [InlineData("watchMs")]
    public void Missing_required_fields_are_named(string field)
    {
        using var doc = JsonDocument.Parse(GoodEvent);
        var props = doc.RootElement.EnumerateObject().Where(p => p.Name != field).Select(p => $"\"{p.Name}\":{p.Value.GetRawText()}");
        var e = Assert.Single(Errors(Batch("{" + string.Join(',', props) + "}")));
        Assert.Equal($"events[0].{field}", e.Field);
        Assert.Equal("is required", e.Message);
    }

    [Theory]
    [InlineData("\"watchMs\":12000", "\"watchMs\":\"12000\"", "events[0].watchMs", "integer")]
    [InlineData("\"watchMs\":12000", "\"watchMs\":12.5", "events[0].watchMs", "integer")]
    [InlineData("\"userId\":\"u1\"", "\"userId\":7", "events[0].userId", "string")]
    [InlineData("\"replays\":0", "\"replays\":true", "events[0].replays", "integer")]
    [InlineData("\"timestamp\":\"2026-11-21T10:00:00Z\"", "\"timestamp\":\"yesterday\"", "events[0].timestamp", "ISO-8601")]
    [InlineData("\"watchMs\":12000", "\"watchMs\":-1", "events[0].watchMs", "negative")]
    [InlineData("\"durationMs\":15000", "\"durationMs\":-15000", "events[0].durationMs", "negative")]
    [InlineData("\"replays\":0", "\"replays\":-2", "events[0].replays", "negative")]
    [InlineData("\"userId\":\"u1\"", "\"userId\":\"\"", "events[0].userId", "empty")]
    public void Wrong_values_are_named(string from, string to, string field, string fragment)
    {
        var e = Assert.Single(Errors(Batch(GoodEvent.Replace(from, to))));
        Assert.Equal(field, e.Field);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Id_length_is_limited()
    {
        var longId = new string('x', Limits.MaxIdLength + 1);
        var e = Assert.Single(Errors(Batch(GoodEvent.Replace("\"e1\"", $"\"{longId}\""))));
        Assert.Equal("events[0].id", e.Field);
        Assert.Contains($"at most {Limits.MaxIdLength}", e.Message);
    }

    [Fact]
    public void Every_bad_event_is_reported_with_its_index_and_nothing_is_returned()
    {
        var bad = GoodEvent.Replace("\"watchMs\":12000", "\"watchMs\":\"lots\"");
        var r = EventBatchReader.Read(Batch(GoodEvent, GoodEvent, GoodEvent, bad, GoodEvent.Replace("\"view\"", "\"nope\"")), Limits);
        Assert.Null(r.Value);
        Assert.Equal(["events[3].watchMs", "events[4].type"], r.Errors.Select(x => x.Field));
    }

    [Fact]
    public void Dto_written_by_the_source_generated_context_reads_back()
    {
        var e = new InteractionEvent("e9", InteractionType.NotInterested, "u2", "v3", new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero), 0, 0, 0, "GB", null);
        var json = JsonSerializer.Serialize(new EventBatchDto([InteractionEventDto.FromDomain(e)]), FeedJsonContext.Default.EventBatchDto);
        Assert.Contains("\"type\":\"not_interested\"", json);
        Assert.Contains("\"userId\":\"u2\"", json);
        var r = EventBatchReader.Read(json, Limits);
        Assert.True(r.IsValid, string.Join("; ", r.Errors));
        Assert.Equal(e, r.Value![0]);
    }
}
