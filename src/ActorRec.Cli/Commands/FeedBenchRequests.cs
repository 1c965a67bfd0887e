using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ActorRec.Cli.Commands;

/// <summary>
/// The requests of <c>bench feed</c>'s load generator, built with little garbage: it runs in the node's process on
/// the same cores, so what it allocates and parses is taken from the node under test.
/// <para>
/// A feed request is one absolute <see cref="Uri"/> (HttpClient would otherwise parse a relative one and combine it
/// with its base address: two URIs and their strings per request). An event batch is written straight to UTF-8 JSON
/// with one reused <see cref="Utf8JsonWriter"/> (no DTO objects, no id strings, no serializer state); the body is the
/// same JSON the serializer wrote for <c>EventBatchDto</c> (camelCase names, ISO 8601 timestamps). Not thread-safe:
/// the load loop builds every request on its one thread.
/// </para>
/// </summary>
internal sealed class FeedBenchRequests : IDisposable
{
    private const string UserPrefix = "b-u";
    private readonly string _feedPrefix;
    private readonly ArrayBufferWriter<byte> _body = new(2048);
    private readonly Utf8JsonWriter _writer;

    public FeedBenchRequests(Uri baseUri)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        _feedPrefix = new Uri(baseUri, "/v1/feed/" + UserPrefix).AbsoluteUri;
        EventsUri = new Uri(baseUri, "/v1/events");
        _writer = new Utf8JsonWriter(_body);
    }

    public Uri EventsUri { get; }

    /// <summary>The id of user <paramref name="user"/> (as the event bodies name it).</summary>
    public static string UserId(int user) => UserPrefix + user.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>GET /v1/feed/b-u{user}?count=10</c>.</summary>
    public HttpRequestMessage Feed(int user) =>
        new(HttpMethod.Get, new Uri(string.Create(CultureInfo.InvariantCulture, $"{_feedPrefix}{user}?count=10"), UriKind.Absolute));

    /// <summary>
    /// <c>POST /v1/events</c> with <paramref name="videos"/>.Length events of user <paramref name="user"/>, ids
    /// <c>b-e{firstEventId}</c> on, every third a like and the others views of 8 s.
    /// </summary>
    public HttpRequestMessage Events(int user, long firstEventId, ReadOnlySpan<int> videos, DateTimeOffset timestamp)
    {
        _body.ResetWrittenCount();
        _writer.Reset(_body);
        Span<byte> id = stackalloc byte[24];
        _writer.WriteStartObject();
        _writer.WriteStartArray("events"u8);
        for (var i = 0; i < videos.Length; i++)
        {
            _writer.WriteStartObject();
            _writer.WriteString("id"u8, Id(id, "b-e"u8, firstEventId + i));
            _writer.WriteString("type"u8, i % 3 == 0 ? "like"u8 : "view"u8);
            _writer.WriteString("userId"u8, Id(id, "b-u"u8, user));
            _writer.WriteString("videoId"u8, Id(id, "v"u8, videos[i]));
            _writer.WriteString("timestamp"u8, timestamp);
            _writer.WriteNumber("watchMs"u8, 8_000);
            _writer.WriteEndObject();
        }

        _writer.WriteEndArray();
        _writer.WriteEndObject();
        _writer.Flush();
        var content = new ByteArrayContent(_body.WrittenSpan.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return new HttpRequestMessage(HttpMethod.Post, EventsUri) { Content = content };
    }

    public void Dispose() => _writer.Dispose();

    private static ReadOnlySpan<byte> Id(Span<byte> buffer, ReadOnlySpan<byte> prefix, long number)
    {
        prefix.CopyTo(buffer);
        var ok = number.TryFormat(buffer[prefix.Length..], out var written, default, CultureInfo.InvariantCulture);
        System.Diagnostics.Debug.Assert(ok, "a long and a 3-byte prefix fit in 24 bytes");
        return buffer[..(prefix.Length + written)];
    }
}
