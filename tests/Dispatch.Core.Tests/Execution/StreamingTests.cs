using System.Text.Json;
using Akka.Actor;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Tests.Dispatching;
using Dispatch.Core.Tests.Support;
using Dispatch.FakeUpstream;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Execution;

/// <summary>
/// A call with a <see cref="APICalling.ResponseStream"/> goes through the whole pipeline and has its answer relayed
/// event by event, over real HTTP to the fake provider's streamed chat completions.
/// </summary>
public class StreamingTests(ITestOutputHelper output) : DispatchSpec(output)
{
    private const int Chunks = 4;

    protected override FakeUpstreamOptions ConfigureUpstream(FakeUpstreamOptions options) => options with { StreamChunks = Chunks };

    [Fact]
    public async Task A_streamed_call_relays_every_event_in_order_then_gets_one_completed_result_without_a_body()
    {
        var stream = new RecordingResponseStream();
        var dispatch = StartDispatch(ChatEndpoint());

        var result = await Send(dispatch, StreamedCall("s1", stream, includeUsage: true));

        Assert.Equal((CallStatus.Completed, 200, 1), (result.Status, result.HttpStatus, result.Attempts));
        Assert.Null(result.Body);
        var start = Assert.Single(stream.Begins);
        Assert.Equal((200, 1), (start.HttpStatus, start.Attempt));
        Assert.StartsWith("text/event-stream", start.Headers!["content-type"], StringComparison.Ordinal);
        var events = stream.Chunks.ToList();
        // The text chunks, the finish chunk, the usage chunk, [DONE].
        Assert.Equal(Chunks + 3, events.Count);
        Assert.All(events, e => Assert.EndsWith("\n\n", e, StringComparison.Ordinal));
        Assert.Equal("data: [DONE]\n\n", events[^1]);
        Assert.Contains("\"total_tokens\"", events[^2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_streamed_calls_tokens_are_reconciled_from_its_final_usage_chunk()
    {
        var dispatch = StartDispatch(ChatEndpoint(withTokenLimit: true));

        var result = await Send(dispatch, StreamedCall("s1", new RecordingResponseStream(), includeUsage: true) with { RequiredTokens = 500 });

        // 40 prompt characters: 10 prompt tokens and 10 completion tokens, as the usage chunk says.
        Assert.Equal(20, result.TokensCharged);
    }

    [Fact]
    public async Task A_streamed_call_without_a_usage_chunk_keeps_its_estimate()
    {
        var dispatch = StartDispatch(ChatEndpoint(withTokenLimit: true));

        var result = await Send(dispatch, StreamedCall("s1", new RecordingResponseStream(), includeUsage: false) with { RequiredTokens = 500 });

        Assert.Equal(500, result.TokensCharged);
    }

    [Fact]
    public async Task A_streamed_call_that_fails_before_its_first_chunk_is_retried_and_the_retry_is_relayed()
    {
        var stream = new RecordingResponseStream();
        var retrying = Subscribe<CallRetrying>();
        var dispatch = StartDispatch(ChatEndpoint());
        var call = Send(dispatch, StreamedCall("s1", stream, includeUsage: false, faults: "503,ok"));

        retrying.ExpectMsg<CallRetrying>(TimeSpan.FromSeconds(10));
        Assert.Empty(stream.Begins);
        Advance(TimeSpan.FromMilliseconds(100));
        var result = await call;

        Assert.Equal((CallStatus.Completed, 2), (result.Status, result.Attempts));
        Assert.Equal(2, Assert.Single(stream.Begins).Attempt);
        Assert.Equal(2, Upstream.Counters.ArrivalsOf("s1"));
    }

    [Fact]
    public async Task A_streamed_call_whose_stream_breaks_after_the_first_chunk_fails_without_a_retry()
    {
        // One event, then the connection closes in the middle of the chunked body.
        await using var broken = new LoopbackServer(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
            "f\r\ndata: {\"a\":1}\n\n\r\n");
        var stream = new RecordingResponseStream();
        var dispatch = StartDispatch(ChatEndpoint() with { BaseUrl = broken.BaseUrl });

        var result = await Send(dispatch, StreamedCall("s1", stream, includeUsage: false));

        Assert.Equal((CallStatus.Failed, ErrorKind.Connection, 1), (result.Status, result.Error, result.Attempts));
        Assert.Contains("not retried", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(["data: {\"a\":1}\n\n"], stream.Chunks);
    }

    [Fact]
    public async Task A_streamed_call_is_cancelled_mid_stream_and_its_upstream_request_aborted()
    {
        // A gap no test waits out: the call is in the middle of its stream until it is cancelled.
        await using var slow = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 2, StreamChunkGap = TimeSpan.FromMinutes(10) });
        var stream = new RecordingResponseStream();
        var dispatch = StartDispatch(ChatEndpoint() with { BaseUrl = slow.BaseUrl });
        dispatch.Tell(StreamedCall("s1", stream, includeUsage: false), TestActor);
        await stream.FirstChunk.WaitAsync(TimeSpan.FromSeconds(10));

        dispatch.Tell(new CancelCall("s1"), TestActor);

        var result = ExpectMsg<APICallResult>(TimeSpan.FromSeconds(10));
        Assert.Equal((CallStatus.Cancelled, 1), (result.Status, result.Attempts));
        await Until(() => slow.Counters.OpenRequests == 0, "the upstream request to be aborted");
        Assert.Single(stream.Chunks);
    }

    [Fact]
    public async Task A_streamed_call_whose_reader_went_away_is_cancelled_and_its_upstream_request_aborted()
    {
        await using var slow = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 2, StreamChunkGap = TimeSpan.FromMinutes(10) });
        var dispatch = StartDispatch(ChatEndpoint() with { BaseUrl = slow.BaseUrl });

        var result = await Send(dispatch, StreamedCall("s1", new RecordingResponseStream { ReaderGone = true }, includeUsage: false));

        Assert.Equal((CallStatus.Cancelled, 1), (result.Status, result.Attempts));
        await Until(() => slow.Counters.OpenRequests == 0, "the upstream request to be aborted");
    }

    [Fact]
    public async Task A_streamed_answer_longer_than_max_response_bytes_ends_the_call_after_what_fitted()
    {
        var stream = new RecordingResponseStream();
        var dispatch = StartDispatch(ChatEndpoint() with { MaxResponseBytes = 600 });

        var result = await Send(dispatch, StreamedCall("s1", stream, includeUsage: false, contentChars: 800));

        Assert.Equal((CallStatus.Failed, ErrorKind.InvalidResponse, 1), (result.Status, result.Error, result.Attempts));
        Assert.Contains("max-response-bytes", result.ErrorMessage, StringComparison.Ordinal);
        Assert.InRange(stream.Chunks.Sum(c => c.Length), 1, 600);
    }

    [Fact]
    public async Task A_streamed_call_the_provider_refuses_gets_the_error_body_whole_and_nothing_relayed()
    {
        var stream = new RecordingResponseStream();
        var dispatch = StartDispatch(ChatEndpoint());

        var result = await Send(dispatch, new APICalling("s1", Api, """{"stream":true}""") { RequiredTokens = 1, ResponseStream = stream });

        Assert.Equal((CallStatus.Failed, ErrorKind.BadRequest, 400), (result.Status, result.Error, result.HttpStatus));
        Assert.Contains("is required", result.Body, StringComparison.Ordinal);
        Assert.Empty(stream.Begins);
    }

    private EndpointOptions ChatEndpoint(bool withTokenLimit = false) => Endpoint(e => e with
    {
        Path = "/v1/chat/completions",
        RateLimit = withTokenLimit ? new RateLimitOptions { Requests = 1000, Tokens = 100_000, Pacing = RateLimitPacing.Burst } : e.RateLimit,
    });

    private static APICalling StreamedCall(string id, RecordingResponseStream stream, bool includeUsage, string? faults = null, int contentChars = 40)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["model"] = "gpt-test",
            ["messages"] = new[] { new { role = "user", content = new string('a', contentChars) } },
            ["max_tokens"] = 1000,
            ["stream"] = true,
            ["stream_options"] = includeUsage ? new { include_usage = true } : null,
        });
        var headers = new Dictionary<string, string> { [FakeUpstreamHeaders.CallId] = id };
        if (faults is not null) headers[FakeUpstreamHeaders.Fault] = faults;
        return new APICalling(id, Api, body) { Headers = headers, RequiredTokens = 1, ResponseStream = stream };
    }
}
