using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Dispatch.Hosting.Ingress;
using Dispatch.Hosting.Submission;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;

namespace Dispatch.Benchmarks.Gateway;

/// <summary>
/// The gateway workload: FakeUpstream (zero latency, no limits) and a Dispatch node (the same host and Kestrel
/// ingress as <c>dispatch node</c>) on loopback in this process, and two clients of the official OpenAI .NET
/// library (the <c>OpenAI</c> package), its retries off: one calls FakeUpstream's chat completions directly, the
/// other the same route through the node's OpenAI-compatible gateway, whose endpoint has no limit to wait for.
/// To split the gateway's cost, the same request also goes through the node's pipeline alone, handed to the
/// <see cref="ICallSubmitter"/> the gateway hands its calls to, without the SDK and the ingress.
/// </summary>
internal sealed class GatewayWorkload : IAsyncDisposable
{
    private const string Token = "gateway-bench-token";
    private static readonly ChatMessage[] Messages = [new UserChatMessage("hello")];
    private static readonly ChatCompletionOptions Completion = new() { MaxOutputTokenCount = 5 };

    /// <summary>The body the SDK sends for <see cref="Messages"/> and <see cref="Completion"/>.</summary>
    private const string Body = """{"messages":[{"role":"user","content":"hello"}],"model":"gpt-4o-mini","max_completion_tokens":5}""";

    private readonly FakeUpstreamServer _upstream;
    private readonly WebApplication _node;
    private readonly ChatClient _direct;
    private readonly ChatClient _gateway;
    private readonly ICallSubmitter _pipeline;

    private GatewayWorkload(FakeUpstreamServer upstream, WebApplication node)
    {
        _upstream = upstream;
        _node = node;
        _direct = Client(new Uri(upstream.BaseUrl + "/v1"), "sk-direct");
        _gateway = Client(new Uri(DispatchNode.IngressAddress(node) + "/v1"), Token);
        _pipeline = node.Services.GetRequiredService<ICallSubmitter>();
    }

    public static async Task<GatewayWorkload> StartAsync()
    {
        var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        var node = DispatchNode.Build(d =>
        {
            d.WithEnvironmentVariables(() => []);
            d.LogToConsole = false;
            d.Dependencies = new DispatchDependencies { GetEnvironmentVariable = name => name == "DISPATCH_INGRESS_TOKEN" ? Token : null };
            d.AddHocon($$"""
                akka.loglevel = WARNING
                dispatch.endpoints.chat {
                  base-url = "{{upstream.BaseUrl}}", path = /v1/chat/completions
                  rate-limit.requests = null
                  executor.concurrency = 64
                  queue.capacity = 100000
                  breaker.max-failures = 1000000
                }
                dispatch.gateway.routes { "/v1/chat/completions" = chat }
                dispatch.ingress.port = 0
                dispatch.shutdown.drain-timeout = 0s
                """);
        });
        await node.StartAsync();
        return new GatewayWorkload(upstream, node);
    }

    /// <summary>One chat completion from FakeUpstream, straight.</summary>
    public Task DirectCallAsync() => CompleteAsync(_direct);

    /// <summary>One chat completion from FakeUpstream through the node's gateway.</summary>
    public Task GatewayCallAsync() => CompleteAsync(_gateway);

    /// <summary>One streamed chat completion from FakeUpstream, straight: the time its first chunk took.</summary>
    public Task<TimeSpan> DirectFirstChunkAsync() => FirstChunkAsync(_direct);

    /// <summary>One streamed chat completion through the node's gateway: the time its first chunk took.</summary>
    public Task<TimeSpan> GatewayFirstChunkAsync() => FirstChunkAsync(_gateway);

    /// <summary>The same request through the node's pipeline alone, as the gateway submits it.</summary>
    public async Task PipelineCallAsync()
    {
        var result = await _pipeline.SubmitAsync(new APICalling(APICalling.NewCallId(), "chat", Body) { WantsResponseHeaders = true }).ConfigureAwait(false);
        if (!result.IsSuccess) throw new InvalidOperationException($"call failed: {result.Error} {result.ErrorMessage}");
    }

    private static async Task CompleteAsync(ChatClient client)
    {
        ClientResult<ChatCompletion> result = await client.CompleteChatAsync(Messages, Completion).ConfigureAwait(false);
        if (result.Value.Content.Count == 0) throw new InvalidOperationException("a chat completion without content");
    }

    /// <summary>Streams a completion to its end; returns when its first chunk came (the rest is read, as a client would).</summary>
    private static async Task<TimeSpan> FirstChunkAsync(ChatClient client)
    {
        var started = Stopwatch.GetTimestamp();
        TimeSpan? first = null;
        await foreach (var update in client.CompleteChatStreamingAsync(Messages, Completion).ConfigureAwait(false))
            first ??= Stopwatch.GetElapsedTime(started);
        return first ?? throw new InvalidOperationException("a streamed completion without chunks");
    }

    private static ChatClient Client(Uri endpoint, string key) =>
        new("gpt-4o-mini", new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = endpoint, RetryPolicy = new ClientRetryPolicy(maxRetries: 0) });

    public async ValueTask DisposeAsync()
    {
        await _node.StopAsync().ConfigureAwait(false);
        await _node.DisposeAsync().ConfigureAwait(false);
        await _upstream.DisposeAsync().ConfigureAwait(false);
    }
}
