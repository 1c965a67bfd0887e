using System.Globalization;
using ActorRec.Recommender.Domain;

namespace ActorRec.Recommender.Tests.Domain;

public sealed class VideoUploadReaderTests
{
    private static readonly FeedSettings Settings = FeedSettings.Create(embeddingDim: 4);

    private static IReadOnlyList<ValidationError> Errors(string json)
    {
        var r = VideoUploadReader.Read(json, Settings);
        Assert.False(r.IsValid);
        return r.Errors;
    }

    [Fact]
    public void Reads_the_contract_example_and_normalises_hashtags()
    {
        var r = VideoUploadReader.Read("""{"creatorId":"c1","durationMs":15000,"hashtags":["#Cats","cats"," Funny "],"caption":"a cat","soundId":"s1","region":"US","contentEmbedding":[0.5,-0.5,1e-3,2]}""", Settings);
        Assert.True(r.IsValid, string.Join("; ", r.Errors));
        var v = r.Value!;
        Assert.Equal(["cats", "funny"], v.Hashtags);
        Assert.Equal("cats", v.PrimaryTopic);
        Assert.Equal([0.5f, -0.5f, 1e-3f, 2f], v.ContentEmbedding!);
        Assert.Equal(15000, v.DurationMs);
    }

    [Fact]
    public void Optional_fields_may_be_absent()
    {
        var r = VideoUploadReader.Read("""{"creatorId":"c1","durationMs":1}""", Settings);
        Assert.True(r.IsValid);
        Assert.Empty(r.Value!.Hashtags);
        Assert.Null(r.Value.ContentEmbedding);
        Assert.Equal(string.Empty, r.Value.Region);
    }

    [Theory]
    [InlineData("""{"durationMs":1000}""", "creatorId", "required")]
    [InlineData("""{"creatorId":"c","durationMs":0}""", "durationMs", "[1,")]
    [InlineData("""{"creatorId":"c","durationMs":-5}""", "durationMs", "[1,")]
    [InlineData("""{"creatorId":"c","durationMs":"long"}""", "durationMs", "integer")]
    [InlineData("""{"creatorId":"c","durationMs":5,"hashtags":"cats"}""", "hashtags", "array")]
    [InlineData("""{"creatorId":"c","durationMs":5,"hashtags":["ok",3]}""", "hashtags[1]", "string")]
    [InlineData("""{"creatorId":"c","durationMs":5,"hashtags":["#"]}""", "hashtags[0]", "characters")]
    [InlineData("""{"creatorId":"c","durationMs":5,"contentEmbedding":[1,2,3]}""", "contentEmbedding", "exactly 4")]
    [InlineData("""{"creatorId":"c","durationMs":5,"contentEmbedding":[1,2,3,4,5]}""", "contentEmbedding", "exactly 4")]
    [InlineData("""{"creatorId":"c","durationMs":5,"contentEmbedding":"NaN"}""", "contentEmbedding", "array")]
    [InlineData("""{"creatorId":"c","durationMs":5,"contentEmbedding":[1,"NaN",3,4]}""", "contentEmbedding[1]", "finite")]
    [InlineData("""{"creatorId":"c","durationMs":5,"contentEmbedding":[1,2,"Infinity",4]}""", "contentEmbedding[2]", "finite")]
    [InlineData("""{"creatorId":"c","durationMs":5,"contentEmbedding":[1,2,3,1e400]}""", "contentEmbedding[3]", "finite")]
    [InlineData("""{"creatorId":"c","durationMs":5,"contentEmbedding":[1,2,3,1e39]}""", "contentEmbedding[3]", "finite")]
    [InlineData("""{"creatorId":"c","durationMs":5,"contentEmbedding":[1,2,null,4]}""", "contentEmbedding[2]", "finite")]
    [InlineData("""not json""", "$", "malformed")]
    public void Bad_fields_are_named(string json, string field, string fragment)
    {
        var e = Assert.Single(Errors(json));
        Assert.Equal(field, e.Field);
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Limits_on_hashtags_caption_and_ids()
    {
        var tags = string.Join(',', Enumerable.Range(0, Settings.Limits.MaxHashtags + 1).Select(i => $"\"t{i}\""));
        Assert.Contains("at most", Assert.Single(Errors($$"""{"creatorId":"c","durationMs":5,"hashtags":[{{tags}}]}""")).Message);
        var caption = new string('a', Settings.Limits.MaxCaptionLength + 1);
        Assert.Equal("caption", Assert.Single(Errors($$"""{"creatorId":"c","durationMs":5,"caption":"{{caption}}"}""")).Field);
        Assert.Equal("creatorId", Assert.Single(Errors($$"""{"creatorId":"{{new string('c', 129)}}","durationMs":5}""")).Field);
        Assert.Equal("videoId", VideoUploadReader.CheckVideoId(new string('v', 129), Settings.Limits)!.Field);
        Assert.Null(VideoUploadReader.CheckVideoId("v1", Settings.Limits));
    }

    [Fact]
    public void Too_long_video_is_rejected()
    {
        var ms = (Settings.Limits.MaxDurationMs + 1).ToString(CultureInfo.InvariantCulture);
        Assert.Equal("durationMs", Assert.Single(Errors($$"""{"creatorId":"c","durationMs":{{ms}}}""")).Field);
    }
}
