using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dispatch.Cli.Tests.Support;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.RateLimiting;

namespace Dispatch.Cli.Tests.Gateway;

/// <summary>
/// The official <c>openai</c> npm package (tests/gateway-sdk, installed by tests/run.sh with <c>npm ci</c>) against a
/// <c>dispatch node</c> process whose gateway fronts the fake provider. The provider runs in the test process, not as
/// <c>dispatch fake-upstream</c>: the test needs a two-second window (the command only takes per-minute limits) and its counters.
/// </summary>
public sealed class GatewaySdkTests : IAsyncLifetime
{
    private const string Token = "gateway-sdk-token-123456";
    private const int Limit = 50;

    /// <summary>How many chunks the provider streams an answer in, and the wait between them.</summary>
    private const int StreamChunks = 5;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StreamGap = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// As in NodeClusterTests: with other test processes on the cores, a grant's way to the provider can take far
    /// longer than the default guard (2% of the interval), so a grant keeps counting for a second more.
    /// </summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gateway-sdk-");
    private FakeUpstreamServer _upstream = null!;

    public async Task InitializeAsync() =>
        _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
        {
            Limits = new RateLimitOptions { RequestsPerWindow = Limit, Window = Window },
            StreamChunks = StreamChunks,
            StreamChunkGap = StreamGap,
        });

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task The_openai_sdk_gets_chat_embeddings_and_openai_errors_and_200_concurrent_calls_all_succeed_with_no_429_at_the_provider()
    {
        // The provider's limit binds: 200 calls, at most 50 in any 2 s, on Dispatch's side and the provider's alike.
        var (node, address) = await StartNodeAsync();
        using var _ = node;
        Assert.Contains("the OpenAI-compatible gateway (POST /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/responses)", node.StandardOutput);

        var seen = await GatewaySdk.RunAsync("gateway.mjs", address + "/v1", Token, Timeout);
        node.Terminate();
        await node.WaitAsync(Timeout);

        var chat = seen.GetProperty("chat");
        Assert.Equal("chat.completion", chat.GetProperty("object").GetString());
        Assert.StartsWith("req_", chat.GetProperty("requestId").GetString());
        Assert.Equal("1", chat.GetProperty("attempts").GetString());
        Assert.Equal(32, chat.GetProperty("callId").GetString()!.Length);
        var embeddings = seen.GetProperty("embeddings");
        Assert.Equal(2, embeddings.GetProperty("count").GetInt32());
        Assert.Equal(8, embeddings.GetProperty("dimensions").GetInt32());
        Assert.Equal(3, embeddings.GetProperty("promptTokens").GetInt32());
        var unknown = seen.GetProperty("unknownModel");
        Assert.True(unknown.GetProperty("status").ValueKind == JsonValueKind.Number, unknown.GetRawText());
        Assert.Equal(404, unknown.GetProperty("status").GetInt32());
        Assert.Equal("model_not_found", unknown.GetProperty("code").GetString());
        // Sent one after the other, the key names two calls, each sent once: Dispatch keeps no answer once given (a second request while the first is in flight is refused 400, the id being in use).
        Assert.Equal(["sdk-key-1", "sdk-key-1"], seen.GetProperty("idempotency").GetProperty("callIds").EnumerateArray().Select(id => id.GetString()));
        Assert.Equal(2, _upstream.Counters.ArrivalsOf("sdk-key-1"));
        var concurrent = seen.GetProperty("concurrent");
        Assert.True(200 == concurrent.GetProperty("succeeded").GetInt32(), concurrent.GetRawText());
        Assert.Equal(0, _upstream.Counters.Throttled);
        Assert.Equal(0, _upstream.Counters.ResponsesWithStatus(429));
    }

    [Fact]
    public async Task The_openai_sdk_gets_a_streamed_completion_chunk_by_chunk_as_the_provider_sends_it_with_usage_when_asked()
    {
        var (node, address) = await StartNodeAsync();
        using var _ = node;

        var seen = await GatewaySdk.RunAsync("streaming.mjs", address + "/v1", Token, Timeout);
        node.Terminate();
        await node.WaitAsync(Timeout);

        GatewaySdk.AssertStreamedChunkByChunk(seen, StreamChunks, StreamGap);
        Assert.Equal(0, _upstream.Counters.ResponsesWithStatus(429));
    }

    [Fact]
    public async Task The_openai_sdk_sees_a_full_queue_as_429_with_retry_after_and_an_open_circuit_as_503()
    {
        // tiny: one executor and one queue place; down: a provider that refuses connections, whose first failure opens the circuit.
        var (node, address) = await StartNodeAsync("""
            dispatch.endpoints.tiny {
              base-url = "{{upstream}}", path = /v1/chat/completions
              attempt-timeout = 5s, executor.concurrency = 1, queue.capacity = 1, retry.max-attempts = 1
            }
            dispatch.endpoints.down { base-url = "http://127.0.0.1:1", retry.max-attempts = 1, breaker.max-failures = 1 }
            dispatch.gateway.models { "tiny-model" = tiny, "down-model" = down }
            """.Replace("{{upstream}}", _upstream.BaseUrl.ToString().TrimEnd('/'), StringComparison.Ordinal));
        using var _ = node;
        _upstream.Faults.Enqueue(FaultKind.Timeout);

        var seen = await GatewaySdk.RunAsync("errors.mjs", address + "/v1", Token, Timeout);
        node.Terminate();
        await node.WaitAsync(Timeout);

        var refused = Assert.Single(seen.GetProperty("queueFull").EnumerateArray());
        Assert.Equal(429, refused.GetProperty("status").GetInt32());
        Assert.Equal("queue_full", refused.GetProperty("code").GetString());
        Assert.Equal("1", refused.GetProperty("retryAfter").GetString());
        Assert.Equal(502, seen.GetProperty("firstFailure").GetProperty("status").GetInt32());
        var open = seen.GetProperty("circuitOpen");
        Assert.Equal(503, open.GetProperty("status").GetInt32());
        Assert.Equal("circuit_open", open.GetProperty("code").GetString());
        // The held call, the one queued behind it, and nothing of the refused one reached the provider.
        Assert.Equal(2, _upstream.Counters.RequestsReceived);
    }

    [Fact]
    public async Task The_openai_sdk_gets_a_response_plain_and_streamed_from_the_responses_api_and_the_node_charges_its_real_usage()
    {
        // Its own window, long enough to hold both calls' charges when the status is read, and no pacing to wait out.
        const long tokenLimit = 100_000;
        var (node, address) = await StartNodeAsync($$"""
            dispatch.endpoints.respond {
              base-url = "{{_upstream.BaseUrl}}", path = /v1/responses
              rate-limit { tokens = {{tokenLimit}}, interval = 10m, pacing = burst }
            }
            dispatch.gateway.models { "responses-model" = respond }
            """);
        using var _ = node;

        var seen = await GatewaySdk.RunAsync("responses.mjs", address + "/v1", Token, Timeout);
        var respond = await EndpointStatusAsync(address, "respond");
        node.Terminate();
        await node.WaitAsync(Timeout);

        var plain = seen.GetProperty("plain");
        Assert.Equal("response", plain.GetProperty("object").GetString());
        Assert.Equal("completed", plain.GetProperty("status").GetString());
        Assert.StartsWith("tok tok", plain.GetProperty("text").GetString());
        Assert.Equal("1", plain.GetProperty("attempts").GetString());
        var streamed = seen.GetProperty("streamed");
        Assert.Equal(
            ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
             .. Enumerable.Repeat("response.output_text.delta", StreamChunks),
             "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"],
            streamed.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("completed", streamed.GetProperty("status").GetString());
        Assert.StartsWith("tok tok", streamed.GetProperty("deltas").GetString());
        Assert.Equal(streamed.GetProperty("text").GetString(), streamed.GetProperty("deltas").GetString());
        var usages = new[] { plain.GetProperty("usage"), streamed.GetProperty("usage") };
        Assert.All(usages, u => Assert.Equal(u.GetProperty("input_tokens").GetInt64() + u.GetProperty("output_tokens").GetInt64(), u.GetProperty("total_tokens").GetInt64()));
        var used = usages.Sum(u => u.GetProperty("total_tokens").GetInt64());
        Assert.Equal(used, _upstream.Counters.TokensCharged);
        // Each call reserved its input and 200 output tokens; the node kept only what the provider reported using.
        Assert.True(used < 2 * 200, $"the answers used {used} tokens, as many as were reserved: the reconciliation would show nothing");
        Assert.Equal(tokenLimit - used, respond.GetProperty("tokenCreditsLeft").GetInt64());
        Assert.Equal(2, respond.GetProperty("counters").GetProperty("completed").GetInt64());
    }

    /// <summary>The status of <paramref name="endpoint"/> on the node at <paramref name="address"/> (<c>GET /v1/status</c>).</summary>
    private static async Task<JsonElement> EndpointStatusAsync(string address, string endpoint)
    {
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
        using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("/v1/status", UriKind.Relative)));
        return status.RootElement.GetProperty("endpoints").EnumerateArray().Single(e => e.GetProperty("endpoint").GetString() == endpoint).Clone();
    }

    /// <summary>A <c>dispatch node</c> process whose gateway routes chat and embeddings to the provider (and whatever <paramref name="extra"/> adds), and its ingress address.</summary>
    private async Task<(DispatchProcess Node, string Address)> StartNodeAsync(string extra = "")
    {
        var config = Path.Combine(_directory.FullName, "node.conf");
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $$"""
            dispatch.endpoint-defaults.rate-limit { requests = {{Limit}}, interval = {{Window.TotalSeconds}}s, guard = {{Guard.TotalMilliseconds}}ms }
            dispatch.endpoints.chat { base-url = "{{_upstream.BaseUrl}}", path = /v1/chat/completions }
            # Its own provider key: the provider limits per key, and chat alone spends all of its key's window.
            dispatch.endpoints.embed { base-url = "{{_upstream.BaseUrl}}", api-key-env = GATEWAY_SDK_EMBED_KEY }
            dispatch.gateway {
              routes { "/v1/chat/completions" = chat, "/v1/embeddings" = embed }
              models { "chat-model" = chat }
            }
            dispatch.ingress { port = 0, token-env = GATEWAY_SDK_TOKEN }
            dispatch.shutdown.drain-timeout = 1s
            {{extra}}
            """));
        var node = DispatchProcess.Start(["node", "--config", config], new Dictionary<string, string> { ["GATEWAY_SDK_TOKEN"] = Token, ["GATEWAY_SDK_EMBED_KEY"] = "sk-embed-key" });
        string? address = null;
        await Poll.Until(() => (address = Regex.Match(node.StandardOutput, @"ingress on (http://127\.0\.0\.1:\d+)").Groups[1].Value) is { Length: > 0 } || node.HasExited, Timeout, "the node prints its address");
        if (string.IsNullOrEmpty(address))
        {
            using (node) Assert.Fail($"the node did not start:\n{node.StandardOutput}\n{node.StandardError}");
        }

        return (node, address!);
    }
}
