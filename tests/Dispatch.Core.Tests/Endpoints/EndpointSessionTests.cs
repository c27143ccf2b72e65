using System.Net;
using System.Text;
using Dispatch.Core.Endpoints;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Core.Tests.Endpoints;

public class EndpointSessionTests
{
    private const string Key = "sk-test-secret-123";
    private readonly FakeTimeProvider _clock = new();

    private static EndpointOptions Options(string baseUrl = "https://api.example.com") => new("chat", baseUrl)
    {
        Path = "/v1/chat/completions",
        ApiKeyEnv = "TEST_API_KEY",
        Headers = new Dictionary<string, string> { ["x-org"] = "acme" },
        AttemptTimeout = TimeSpan.FromSeconds(30),
        MaxResponseBytes = 1024,
    };

    private static string? Env(string name) => name == "TEST_API_KEY" ? Key : null;

    private EndpointSession Session(StubHandler handler, EndpointOptions? options = null) =>
        new(options ?? Options(), _clock, Env, handler);

    private static APICalling Call(string payload = """{"messages":[]}""") => new("c1", "chat", payload);

    [Fact]
    public async Task A_call_is_sent_as_the_endpoints_method_url_headers_and_json_body_with_the_key_from_the_environment()
    {
        var handler = StubHandler.Answering(HttpStatusCode.OK);
        using var session = Session(handler);

        await session.SendAsync(Call(), CancellationToken.None);

        var (request, body) = Assert.Single(handler.Received);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("https://api.example.com/v1/chat/completions", request.RequestUri!.ToString());
        Assert.Equal($"Bearer {Key}", request.Headers.Authorization!.ToString());
        Assert.Equal("acme", request.Headers.GetValues("x-org").Single());
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal("""{"messages":[]}""", body);
    }

    [Theory]
    [InlineData(1_000, null)]
    [InlineData(100_000, true)]
    public async Task A_large_body_asks_the_server_to_accept_it_before_it_is_sent_so_an_early_413_is_heard(int chars, bool? expectContinue)
    {
        var handler = StubHandler.Answering(HttpStatusCode.OK);
        using var session = Session(handler);

        await session.SendAsync(Call("\"" + new string('x', chars) + "\""), CancellationToken.None);

        Assert.Equal(expectContinue, handler.Received.Single().Request.Headers.ExpectContinue);
    }

    [Fact]
    public async Task An_answer_carries_the_headers_a_providers_client_reads_and_no_others()
    {
        var handler = StubHandler.Answering(HttpStatusCode.OK, configure: response =>
        {
            response.Headers.TryAddWithoutValidation("x-request-id", "req_7");
            response.Headers.TryAddWithoutValidation("openai-processing-ms", "12");
            response.Headers.TryAddWithoutValidation("x-ratelimit-remaining-requests", "99");
            response.Headers.TryAddWithoutValidation("set-cookie", "session=secret");
        });
        using var session = Session(handler);

        var result = await session.SendAsync(Call() with { WantsResponseHeaders = true }, CancellationToken.None);
        var unasked = await session.SendAsync(Call(), CancellationToken.None);

        Assert.Null(unasked.ResponseHeaders);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["content-type"] = "application/json; charset=utf-8",
                ["x-request-id"] = "req_7",
                ["openai-processing-ms"] = "12",
                ["x-ratelimit-remaining-requests"] = "99",
            },
            result.ResponseHeaders!.ToDictionary());
    }

    [Fact]
    public async Task A_call_cannot_replace_the_auth_header()
    {
        var handler = StubHandler.Answering(HttpStatusCode.OK);
        using var session = Session(handler);

        await session.SendAsync(Call() with { Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer stolen" } }, CancellationToken.None);

        Assert.Equal($"Bearer {Key}", handler.Received.Single().Request.Headers.Authorization!.ToString());
    }

    [Fact]
    public async Task A_call_may_override_method_path_and_other_headers()
    {
        var handler = StubHandler.Answering(HttpStatusCode.OK);
        using var session = Session(handler);

        await session.SendAsync(Call() with { Method = "get", Path = "/v1/models", Headers = new Dictionary<string, string> { ["x-org"] = "other" } }, CancellationToken.None);

        var (request, body) = Assert.Single(handler.Received);
        Assert.Equal(HttpMethod.Get, request.Method);
        Assert.Equal("https://api.example.com/v1/models", request.RequestUri!.ToString());
        Assert.Equal("other", request.Headers.GetValues("x-org").Single());
        Assert.Null(body);
    }

    [Fact]
    public async Task An_empty_auth_scheme_sends_the_bare_key_in_the_configured_header()
    {
        var handler = StubHandler.Answering(HttpStatusCode.OK);
        using var session = Session(handler, Options() with { AuthHeader = "x-api-key", AuthScheme = "" });

        await session.SendAsync(Call(), CancellationToken.None);

        var request = handler.Received.Single().Request;
        Assert.Equal(Key, request.Headers.GetValues("x-api-key").Single());
        Assert.Null(request.Headers.Authorization);
    }

    [Fact]
    public async Task A_missing_api_key_variable_fails_as_authentication_without_sending()
    {
        var handler = StubHandler.Answering(HttpStatusCode.OK);
        using var session = new EndpointSession(Options(), _clock, _ => null, handler);

        var result = await session.SendAsync(Call(), CancellationToken.None);

        Assert.Equal(ErrorKind.Authentication, result.Outcome.Kind);
        Assert.Contains("TEST_API_KEY", result.Outcome.Message);
        Assert.Empty(handler.Received);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("br")]
    [InlineData("deflate")]
    public async Task A_call_asks_for_compressed_responses_and_a_compressed_body_is_read_decompressed(string encoding)
    {
        const string json = """{"usage":{"total_tokens":42}}""";
        using var session = Session(Compressed(json, encoding));

        var result = await session.SendAsync(Call(), CancellationToken.None);

        Assert.Equal((200, json, 42L), (result.HttpStatus, result.Body, result.UsedTokens));
    }

    [Fact]
    public async Task A_call_says_which_compressions_it_accepts_unless_it_names_its_own()
    {
        var handler = StubHandler.Answering(HttpStatusCode.OK);
        using var session = Session(handler);

        await session.SendAsync(Call(), CancellationToken.None);
        await session.SendAsync(Call() with { Headers = new Dictionary<string, string> { ["accept-encoding"] = "identity" } }, CancellationToken.None);

        Assert.Equal("gzip, br", string.Join(", ", handler.Received[0].Request.Headers.GetValues("Accept-Encoding")));
        Assert.Equal("identity", Assert.Single(handler.Received[1].Request.Headers.GetValues("Accept-Encoding")));
    }

    [Fact]
    public async Task A_compressed_body_over_the_limit_once_decompressed_is_an_invalid_response()
    {
        // 2,000 bytes of JSON compress to far less than the 1,024-byte limit.
        using var session = Session(Compressed($$"""{"text":"{{new string('a', 2_000)}}"}""", "gzip"));

        var result = await session.SendAsync(Call(), CancellationToken.None);

        Assert.Equal(ErrorKind.InvalidResponse, result.Outcome.Kind);
        Assert.Contains("max-response-bytes", result.Outcome.Message);
    }

    private static StubHandler Compressed(string json, string encoding)
    {
        using var buffer = new MemoryStream();
        using (Stream compressor = encoding switch
               {
                   "br" => new System.IO.Compression.BrotliStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true),
                   "deflate" => new System.IO.Compression.ZLibStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true),
                   _ => new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true),
               })
        {
            compressor.Write(Encoding.UTF8.GetBytes(json));
        }

        var bytes = buffer.ToArray();
        return new StubHandler((_, _) =>
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            content.Headers.ContentEncoding.Add(encoding);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        });
    }

    [Fact]
    public async Task A_success_reports_status_body_and_the_tokens_the_upstream_says_it_used()
    {
        using var session = Session(StubHandler.Answering(HttpStatusCode.OK, """{"usage":{"total_tokens":42}}"""));

        var result = await session.SendAsync(Call(), CancellationToken.None);

        Assert.True(result.Outcome.IsSuccess);
        Assert.Equal((200, """{"usage":{"total_tokens":42}}""", 42L), (result.HttpStatus, result.Body, result.UsedTokens));
    }

    [Fact]
    public async Task A_429_is_rate_limited_with_its_retry_after()
    {
        using var session = Session(StubHandler.Answering((HttpStatusCode)429, configure: r => r.Headers.Add("Retry-After", "12")));

        var result = await session.SendAsync(Call(), CancellationToken.None);

        Assert.Equal(ErrorKind.RateLimited, result.Outcome.Kind);
        Assert.Equal(TimeSpan.FromSeconds(12), result.Outcome.RetryAfter);
        Assert.Equal(429, result.HttpStatus);
    }

    [Fact]
    public async Task A_401_never_carries_the_api_key_in_its_result()
    {
        using var session = Session(StubHandler.Answering(HttpStatusCode.Unauthorized, """{"error":"bad key"}"""));

        var result = await session.SendAsync(Call(), CancellationToken.None);

        Assert.Equal(ErrorKind.Authentication, result.Outcome.Kind);
        Assert.DoesNotContain(Key, result.ToString());
    }

    [Fact]
    public async Task A_success_whose_json_body_cannot_be_parsed_is_an_invalid_response()
    {
        using var session = Session(StubHandler.Answering(HttpStatusCode.OK, """{"choices":[""" ));

        var result = await session.SendAsync(Call(), CancellationToken.None);

        Assert.Equal(ErrorKind.InvalidResponse, result.Outcome.Kind);
    }

    [Fact]
    public async Task A_body_larger_than_the_limit_is_an_invalid_response()
    {
        using var session = Session(StubHandler.Answering(HttpStatusCode.OK, $$"""{"x":"{{new string('a', 2000)}}"}"""));

        var result = await session.SendAsync(Call(), CancellationToken.None);

        Assert.Equal(ErrorKind.InvalidResponse, result.Outcome.Kind);
        Assert.Contains("max-response-bytes", result.Outcome.Message);
    }

    [Fact]
    public async Task A_streamed_body_without_a_length_is_cut_off_at_the_limit()
    {
        var handler = new StubHandler((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new UnknownLengthStream(new byte[5000])),
        }));
        using var session = Session(handler);

        var result = await session.SendAsync(Call(), CancellationToken.None);

        Assert.Equal(ErrorKind.InvalidResponse, result.Outcome.Kind);
    }

    [Fact]
    public async Task A_streamed_body_within_the_limit_is_read_whole_however_it_arrives()
    {
        var json = $$$"""{"text":"{{{new string('x', 50_000)}}}","usage":{"total_tokens":3}}""";
        var handler = new StubHandler((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(json))),
        }));
        using var session = Session(handler, Options() with { MaxResponseBytes = 100_000 });

        var result = await session.SendAsync(Call(), CancellationToken.None);

        Assert.True(result.Outcome.IsSuccess);
        Assert.Equal(json, result.Body);
        Assert.Equal(3, result.UsedTokens);
    }

    [Fact]
    public async Task An_attempt_that_outlives_its_timeout_is_a_timeout()
    {
        using var session = Session(StubHandler.Hanging());

        var sending = session.SendAsync(Call(), CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(30));
        var result = await sending;

        Assert.Equal(ErrorKind.Timeout, result.Outcome.Kind);
    }

    [Fact]
    public async Task Cancelling_an_attempt_aborts_the_request_and_reports_it_cancelled()
    {
        using var session = Session(StubHandler.Hanging());
        using var cancel = new CancellationTokenSource();

        var sending = session.SendAsync(Call(), cancel.Token);
        await cancel.CancelAsync();
        var result = await sending;

        Assert.Equal(ErrorKind.Cancelled, result.Outcome.Kind);
    }

    [Fact]
    public async Task A_refused_connection_is_a_connection_failure()
    {
        using var session = new EndpointSession(Options($"http://127.0.0.1:{LoopbackServer.ClosedPort()}"), _clock, Env);

        var result = await session.SendAsync(Call(), CancellationToken.None);

        Assert.Equal(ErrorKind.Connection, result.Outcome.Kind);
    }

    [Fact]
    public async Task A_call_crosses_a_real_loopback_socket_with_its_auth_header()
    {
        await using var server = new LoopbackServer(LoopbackServer.Ok("""{"usage":{"total_tokens":7}}"""));
        using var session = new EndpointSession(Options(server.BaseUrl), _clock, Env);

        var result = await session.SendAsync(Call(), CancellationToken.None);

        Assert.Equal(7, result.UsedTokens);
        var request = await server.Request;
        Assert.StartsWith("POST /v1/chat/completions HTTP/1.1", request);
        Assert.Contains($"Authorization: Bearer {Key}", request);
    }

    [Fact]
    public async Task Disposing_closes_the_http_session_and_later_sends_are_refused()
    {
        var handler = StubHandler.Answering(HttpStatusCode.OK);
        var session = Session(handler);

        session.Dispose();

        Assert.True(session.IsDisposed);
        Assert.True(handler.Disposed);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => session.SendAsync(Call(), CancellationToken.None));
    }

    /// <summary>A readable stream that does not know its length, like a chunked response.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
