using System.Text;
using Dispatch.Cli.Tests.Support;
using Dispatch.FakeUpstream;
using Xunit.Abstractions;

namespace Dispatch.Cli.Tests.Cluster;

/// <summary>
/// The official <c>openai</c> npm package streams a chat completion through the gateway of a proxy node (a
/// <c>dispatch node</c> process without the <c>dispatch</c> role), whose call runs on a second process that has it:
/// the answer crosses Akka.Remote chunk by chunk.
/// </summary>
public sealed class ProxyGatewayStreamingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Api = "api";

    /// <summary>How many chunks the provider streams an answer in, and the wait between them.</summary>
    private const int StreamChunks = 5;
    private static readonly TimeSpan StreamGap = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private FakeUpstreamServer _upstream = null!;

    /// <summary>A provider that sends the first chunk and waits longer than any test before the next.</summary>
    private FakeUpstreamServer _slow = null!;
    private NodeCluster _cluster = null!;
    private ClusterNode _app = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
        {
            StreamChunks = StreamChunks,
            StreamChunkGap = StreamGap,
            ShutdownTimeout = TimeSpan.FromSeconds(1),
        });
        _slow = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 2, StreamChunkGap = TimeSpan.FromMinutes(10), ShutdownTimeout = TimeSpan.FromSeconds(1) });
        var hocon = NodeCluster.Endpoint(Api, _upstream.BaseUrl, limit: 100, Window, guard: TimeSpan.FromSeconds(1), concurrency: 4) + $$"""
            dispatch.endpoints.{{Api}}.path = /v1/chat/completions
            # A short interval: a new quota owner grants from one window after it starts.
            dispatch.endpoints.slow { base-url = "{{_slow.BaseUrl}}", path = /v1/chat/completions, rate-limit { requests = 100, interval = 2s } }
            dispatch.gateway.models { "chat-model" = {{Api}}, "slow-model" = slow }
            """;
        _cluster = await NodeCluster.StartAsync(1, hocon, output);
        _app = await _cluster.AddNodeAsync(hocon, roles: "[app]");
        await _cluster.UntilUpAsync(2);
        await Poll.Until(() => _app.ProxyReadyNodesAsync().GetAwaiter().GetResult() == 1, NodeCluster.StartTimeout, "the proxy node sends to the dispatch node");
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _upstream.DisposeAsync();
        await _slow.DisposeAsync();
    }

    [Fact]
    public async Task The_openai_sdk_streams_through_a_proxy_nodes_gateway_chunk_by_chunk_as_the_provider_sends_it()
    {
        var seen = await GatewaySdk.RunAsync("streaming.mjs", _app.Url + "v1", NodeCluster.Token, Timeout);

        GatewaySdk.AssertStreamedChunkByChunk(seen, StreamChunks, StreamGap);
        // Both calls ran on the dispatch node: the proxy node has no pipeline of its own.
        Assert.Equal(2, _upstream.Counters.RequestsReceived);
        var proxy = (await _app.GetStatusAsync()).GetProperty("cluster").GetProperty("proxy");
        Assert.Equal(0, proxy.GetProperty("calls").GetInt32());
    }

    [Fact]
    public async Task A_client_that_leaves_a_proxy_nodes_gateway_mid_stream_cancels_the_providers_request_on_the_dispatch_node()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"slow-model","messages":[{"role":"user","content":"hello"}],"stream":true}""", Encoding.UTF8, "application/json"),
        };
        var response = await _app.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        Assert.StartsWith("data: {", await reader.ReadLineAsync());
        Assert.Equal(1, _slow.Counters.OpenRequests);

        reader.Dispose();
        response.Dispose();

        await Poll.Until(() => _slow.Counters.OpenRequests == 0, Timeout, "the dispatch node aborted the provider's request");
        Assert.Equal(1, _slow.Counters.Snapshot().Aborted);
    }
}
