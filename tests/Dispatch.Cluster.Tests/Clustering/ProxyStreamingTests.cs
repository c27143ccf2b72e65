using System.Text.Json;
using Akka.Actor;
using Dispatch.Cluster.Proxy;
using Dispatch.Cluster.Tests.Support;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Tests.Support;
using Dispatch.FakeUpstream;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Clustering;

/// <summary>
/// Streamed calls through a <see cref="DispatchProxy"/> on an application node (no <c>dispatch</c> role), run by
/// dispatch nodes over real Akka.Remote on loopback against the fake provider's streamed chat completions: the
/// answer crosses back chunk by chunk in an Akka.Streams sink ref.
/// </summary>
[Collection(ClusterCollection.Name)]
public class ProxyStreamingTests(ITestOutputHelper output)
{
    private const int Chunks = 4;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    /// <summary>A gap no test waits out: while it runs, the provider has sent the first chunk and not the second.</summary>
    private static readonly TimeSpan Forever = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task A_streamed_call_reaches_its_caller_on_the_proxy_node_as_separate_events_then_its_one_result()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = Chunks, StreamChunkGap = TimeSpan.FromMilliseconds(20) });
        await using var cluster = await DispatchCluster.StartAsync(1, ChatOptions(upstream), new ClusterQuotaOptions(), output);
        await using var app = await StartAppAsync(cluster, readyNodes: 1);
        var stream = new RecordingResponseStream();

        var result = await app.Proxy.Ask<APICallResult>(StreamedCall("s1", stream, includeUsage: true), Wait);
        var written = stream.Chunks.ToList();

        Assert.Equal((CallStatus.Completed, 200, 1), (result.Status, result.HttpStatus, result.Attempts));
        Assert.Null(result.Body);
        var start = Assert.Single(stream.Begins);
        Assert.Equal((200, 1), (start.HttpStatus, start.Attempt));
        Assert.StartsWith("text/event-stream", start.Headers!["content-type"], StringComparison.Ordinal);
        Assert.StartsWith("req_", start.Headers!["x-request-id"], StringComparison.Ordinal);
        // Each of the provider's events is its own write (text chunks, the finish chunk, the usage chunk, [DONE]), all before the result.
        Assert.Equal(Chunks + 3, written.Count);
        Assert.All(written, e => Assert.EndsWith("\n\n", e, StringComparison.Ordinal));
        Assert.Equal("data: [DONE]\n\n", written[^1]);
        // The dispatch node reconciled the call's tokens from the usage chunk (10 prompt + 10 completion), as for a local call.
        Assert.Equal(20, result.TokensCharged);
    }

    [Fact]
    public async Task A_streamed_calls_first_chunk_reaches_the_proxy_node_before_the_provider_sent_the_next()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 2, StreamChunkGap = Forever });
        await using var cluster = await DispatchCluster.StartAsync(1, ChatOptions(upstream), new ClusterQuotaOptions(), output);
        await using var app = await StartAppAsync(cluster, readyNodes: 1);
        var stream = new RecordingResponseStream();

        app.Proxy.Tell(StreamedCall("s1", stream, includeUsage: false), ActorRefs.NoSender);
        await stream.FirstChunk.WaitAsync(Wait);

        Assert.Single(stream.Begins);
        Assert.Single(stream.Chunks);
        Assert.Equal(1, upstream.Counters.OpenRequests);
        app.Proxy.Tell(new CancelCall("s1"));
    }

    [Fact]
    public async Task Cancelling_a_streamed_call_on_the_proxy_node_aborts_its_request_on_the_dispatch_node()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 2, StreamChunkGap = Forever });
        await using var cluster = await DispatchCluster.StartAsync(1, ChatOptions(upstream), new ClusterQuotaOptions(), output);
        await using var app = await StartAppAsync(cluster, readyNodes: 1);
        var stream = new RecordingResponseStream();
        var answer = app.Proxy.Ask<APICallResult>(StreamedCall("s1", stream, includeUsage: false), Wait);
        await stream.FirstChunk.WaitAsync(Wait);

        app.Proxy.Tell(new CancelCall("s1"));

        Assert.Equal(CallStatus.Cancelled, (await answer).Status);
        await cluster.UntilAsync(() => upstream.Counters.OpenRequests == 0, "the dispatch node aborted the upstream request");
        Assert.Single(stream.Chunks);
    }

    [Fact]
    public async Task A_streamed_call_whose_reader_on_the_proxy_node_went_away_is_cancelled_on_the_dispatch_node_and_not_sent_again()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 2, StreamChunkGap = Forever });
        await using var cluster = await DispatchCluster.StartAsync(1, ChatOptions(upstream), new ClusterQuotaOptions(), output);
        await using var app = await StartAppAsync(cluster, readyNodes: 1);
        var resent = EventRecorder.Start<CallResent>(app.System);

        var result = await app.Proxy.Ask<APICallResult>(StreamedCall("s1", new RecordingResponseStream { ReaderGone = true }, includeUsage: false), Wait);

        Assert.Equal((CallStatus.Cancelled, 1), (result.Status, result.Attempts));
        await cluster.UntilAsync(() => upstream.Counters.OpenRequests == 0, "the dispatch node aborted the upstream request");
        Assert.Equal(1, upstream.Counters.ArrivalsOf("s1"));
        Assert.Empty(resent);
    }

    [Fact]
    public async Task A_streamed_call_whose_node_is_lost_before_its_first_chunk_is_sent_again_and_streamed_once()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = Chunks, ShutdownTimeout = TimeSpan.FromSeconds(1) });
        await using var cluster = await DispatchCluster.StartAsync(2, ChatOptions(upstream), new ClusterQuotaOptions(), output);
        await using var app = await StartAppAsync(cluster, readyNodes: 2);
        var resent = EventRecorder.Start<CallResent>(app.System);
        var stream = new RecordingResponseStream();
        // Its first send is never answered by the provider: the node running it is lost before any chunk.
        var answer = app.Proxy.Ask<APICallResult>(StreamedCall("s1", stream, includeUsage: false, faults: "timeout,ok"), Wait);
        await cluster.UntilAsync(() => upstream.Counters.ArrivalsOf("s1") == 1, "the first send reached the provider");
        var (doomed, survivor) = await RunningAndOtherAsync(cluster, app);

        await doomed.CrashAsync();
        survivor.Cluster.Down(doomed.Address);
        var result = await answer;

        Assert.Equal(CallStatus.Completed, result.Status);
        Assert.Equal(new CallResent("s1", DispatchCluster.Api, doomed.Address.ToString(), 2), Assert.Single(resent));
        Assert.Equal(2, upstream.Counters.ArrivalsOf("s1"));
        Assert.Single(stream.Begins);
        Assert.Equal(Chunks + 2, stream.Chunks.Count);
    }

    [Fact]
    public async Task A_streamed_call_whose_node_is_lost_after_its_first_chunk_ends_connection_and_is_not_sent_again()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 2, StreamChunkGap = Forever, ShutdownTimeout = TimeSpan.FromSeconds(1) });
        await using var cluster = await DispatchCluster.StartAsync(2, ChatOptions(upstream), new ClusterQuotaOptions(), output);
        await using var app = await StartAppAsync(cluster, readyNodes: 2);
        var resent = EventRecorder.Start<CallResent>(app.System);
        var cutOff = EventRecorder.Start<CallCutOff>(app.System);
        var stream = new RecordingResponseStream();
        var answer = app.Proxy.Ask<APICallResult>(StreamedCall("s1", stream, includeUsage: false), Wait);
        await stream.FirstChunk.WaitAsync(Wait);
        var (doomed, survivor) = await RunningAndOtherAsync(cluster, app);

        await doomed.CrashAsync();
        survivor.Cluster.Down(doomed.Address);
        var result = await answer;
        // Published just before the answer, but recorded by an actor of its own: it may come a moment after.
        await cluster.UntilAsync(() => !cutOff.IsEmpty, "the proxy published the call it cut off");

        Assert.Equal((CallStatus.Failed, ErrorKind.Connection), (result.Status, result.Error));
        Assert.Empty(resent);
        Assert.Equal(new CallCutOff("s1", DispatchCluster.Api, doomed.Address.ToString()), Assert.Single(cutOff));
        Assert.Equal(1, upstream.Counters.ArrivalsOf("s1"));
        Assert.Single(stream.Begins);
        Assert.Single(stream.Chunks);
    }

    /// <summary>The cluster's endpoint on the provider's chat completions, with a token limit (so usage is reconciled).</summary>
    private static DispatchOptions ChatOptions(FakeUpstreamServer upstream)
    {
        var options = DispatchCluster.Options(upstream, requests: 1000, TimeSpan.FromSeconds(1));
        var api = options.Endpoints[DispatchCluster.Api];
        return options with
        {
            Endpoints = new Dictionary<string, EndpointOptions>
            {
                [DispatchCluster.Api] = api with
                {
                    Path = "/v1/chat/completions",
                    RateLimit = new RateLimitOptions { Requests = 1000, Tokens = 100_000, Interval = TimeSpan.FromSeconds(1) },
                },
            },
        };
    }

    private static APICalling StreamedCall(string id, IResponseStream stream, bool includeUsage, string? faults = null)
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["model"] = "gpt-test",
            ["messages"] = new[] { new { role = "user", content = new string('a', 40) } },
            ["max_tokens"] = 1000,
            ["stream"] = true,
            ["stream_options"] = includeUsage ? new { include_usage = true } : null,
        });
        var headers = new Dictionary<string, string> { [FakeUpstreamHeaders.CallId] = id };
        if (faults is not null) headers[FakeUpstreamHeaders.Fault] = faults;
        return new APICalling(id, DispatchCluster.Api, body) { Headers = headers, RequiredTokens = 1, ResponseStream = stream };
    }

    /// <summary>The dispatch node running the proxy's one call, and the other.</summary>
    private static async Task<(DispatchNode Running, DispatchNode Other)> RunningAndOtherAsync(DispatchCluster cluster, AppNode app)
    {
        var status = await app.Proxy.Ask<DispatchProxyStatus>(GetProxyStatus.Instance, Wait);
        var running = Assert.Single(status.Nodes, n => n.Outstanding == 1).Address;
        var doomed = cluster.Nodes.Single(n => n.Address.ToString() == running);
        return (doomed, cluster.Nodes.Single(n => n != doomed));
    }

    /// <summary>An application node whose proxy has found <paramref name="readyNodes"/> dispatch nodes (and their receivers of streamed calls).</summary>
    private async Task<AppNode> StartAppAsync(DispatchCluster cluster, int readyNodes)
    {
        var app = AppNode.Start("app", cluster.Nodes[0], output);
        await cluster.UntilAsync(() => app.UpMembers == cluster.Nodes.Count + 1, "the application node sees every member up");
        var deadline = cluster.Clock.Elapsed + TimeSpan.FromSeconds(30);
        while (await app.ReadyNodesAsync() < readyNodes)
        {
            if (cluster.Clock.Elapsed > deadline) throw new TimeoutException($"The proxy did not find {readyNodes} dispatch node(s) within 30s.");
            await Task.Delay(50);
        }

        return app;
    }
}
