using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Faults;
using Dispatch.Hosting.Gateway;
using Dispatch.Hosting.Tests.Support;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace Dispatch.Hosting.Tests.Gateway;

/// <summary>
/// The official OpenAI .NET library (the <c>OpenAI</c> NuGet package) against a real node's gateway on loopback, in
/// front of the fake provider over HTTP, as a .NET program would use it: its endpoint is the node's ingress plus
/// <c>/v1</c>, its API key the ingress token, its own retries off. Each test has its own node and provider.
/// </summary>
public sealed class OpenAIClientTests : IAsyncLifetime
{
    private GatewayNode _gateway = null!;

    /// <summary>Every attempt the SDK sends, counted below its retry policy.</summary>
    private readonly AttemptCounter _attempts = new();

    private FakeUpstreamServer Upstream => _gateway.Upstream;

    // Only models route here: a model that maps to nothing has no path to fall back on.
    public async ValueTask InitializeAsync() =>
        _gateway = await GatewayNode.StartAsync(upstream => $$"""
            dispatch.endpoints.embed { base-url = "{{upstream}}", rate-limit { requests = 1000, interval = 1s } }
            dispatch.gateway.models { "chat-model" = chat, "embed-model" = embed, "tiny-model" = tiny }
            """);

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task A_chat_completion_comes_back_typed_with_the_providers_and_dispatchs_headers()
    {
        var chat = new ChatClient("chat-model", new ApiKeyCredential(GatewayNode.Token), Options());

        ClientResult<ChatCompletion> result = await chat.CompleteChatAsync([new UserChatMessage("hello")], new ChatCompletionOptions { MaxOutputTokenCount = 5 });

        Assert.Equal(200, result.GetRawResponse().Status);
        Assert.Equal(ChatMessageRole.Assistant, result.Value.Role);
        Assert.NotEmpty(result.Value.Content);
        Assert.True(result.Value.Usage.TotalTokenCount > 0);
        Assert.StartsWith("req_", Header(result.GetRawResponse(), "x-request-id"));
        Assert.Equal("1", Header(result.GetRawResponse(), GatewayEndpoints.AttemptsHeader));
        Assert.Equal(32, Header(result.GetRawResponse(), GatewayEndpoints.CallIdHeader)?.Length);
        Assert.Equal(0, Upstream.Counters.ResponsesWithStatus(401));
    }

    [Fact]
    public async Task Embeddings_come_back_decoded_from_the_base64_the_sdk_asks_for()
    {
        var embeddings = new OpenAIClient(new ApiKeyCredential(GatewayNode.Token), Options()).GetEmbeddingClient("embed-model");

        ClientResult<OpenAIEmbeddingCollection> result = await embeddings.GenerateEmbeddingsAsync(["hello", "world"]);

        Assert.Equal(2, result.Value.Count);
        Assert.Equal(8, result.Value[0].ToFloats().Length);
        Assert.Equal(3, result.Value.Usage.InputTokenCount);
    }

    [Fact]
    public async Task A_model_that_maps_to_nothing_throws_a_client_result_exception_with_status_404_and_the_openai_error()
    {
        var chat = new ChatClient("no-such-model", new ApiKeyCredential(GatewayNode.Token), Options());

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("hi")]));

        Assert.Equal(404, refused.Status);
        var error = ErrorOf(refused);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Contains("'no-such-model'", error.GetProperty("message").GetString());
        Assert.Contains("no-such-model", refused.Message);
        Assert.Equal(0, Upstream.Counters.RequestsReceived);
    }

    [Fact]
    public async Task A_full_queue_throws_status_429_with_retry_after_and_the_sdk_sends_it_once_with_its_retries_off()
    {
        // The one executor holds a call the provider never answers; of the next two, one waits in the one queue place.
        var tiny = new ChatClient("tiny-model", new ApiKeyCredential(GatewayNode.Token), Options());
        Upstream.Faults.Enqueue(FaultKind.Timeout);
        _ = tiny.CompleteChatAsync([new UserChatMessage("held")]);
        await TestNode.Eventually(() => Upstream.Counters.OpenRequests == 1, "the provider holds the first call");

        var racing = new[] { tiny.CompleteChatAsync([new UserChatMessage("a")]), tiny.CompleteChatAsync([new UserChatMessage("b")]) };
        var first = await Task.WhenAny(racing);

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => first);
        Assert.Equal(429, refused.Status);
        Assert.Equal("1", Header(refused.GetRawResponse()!, "Retry-After"));
        Assert.Equal("queue_full", ErrorOf(refused).GetProperty("code").GetString());
        Assert.Equal(3, _attempts.Count);
        Assert.Equal(1, Upstream.Counters.RequestsReceived);
    }

    [Fact]
    public async Task An_idempotency_key_set_by_a_pipeline_policy_names_both_calls_sent_with_it_and_reaches_the_provider_with_each()
    {
        // As with the npm SDK: sent one after the other, the key names two calls, each answered and each sent once.
        var options = Options();
        options.AddPolicy(new IdempotencyKeyPolicy("dotnet-key-1"), PipelinePosition.PerCall);
        var chat = new ChatClient("chat-model", new ApiKeyCredential(GatewayNode.Token), options);

        var first = await chat.CompleteChatAsync([new UserChatMessage("keyed")]);
        var second = await chat.CompleteChatAsync([new UserChatMessage("keyed")]);

        Assert.Equal("dotnet-key-1", Header(first.GetRawResponse(), GatewayEndpoints.CallIdHeader));
        Assert.Equal("dotnet-key-1", Header(second.GetRawResponse(), GatewayEndpoints.CallIdHeader));
        Assert.NotEmpty(second.Value.Content);
        Assert.Equal(2, Upstream.Counters.ArrivalsOf("dotnet-key-1"));
    }

    /// <summary>The SDK's options for the gateway: the node's ingress as endpoint, no retries of its own, attempts counted.</summary>
    private OpenAIClientOptions Options()
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(_gateway.Address + "/v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0), NetworkTimeout = TestNode.Patience };
        options.AddPolicy(_attempts, PipelinePosition.PerTry);
        return options;
    }

    private static JsonElement ErrorOf(ClientResultException exception) =>
        JsonDocument.Parse(exception.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error");

    private static string? Header(PipelineResponse response, string name) =>
        response.Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>Sets <c>Idempotency-Key</c> on every request, as a program would to make a call's retries recognisable.</summary>
    private sealed class IdempotencyKeyPolicy(string key) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Set(GatewayEndpoints.IdempotencyKeyHeader, key);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Set(GatewayEndpoints.IdempotencyKeyHeader, key);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }
    }

    /// <summary>Counts the requests that leave the SDK, retries included.</summary>
    private sealed class AttemptCounter : PipelinePolicy
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Interlocked.Increment(ref _count);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Interlocked.Increment(ref _count);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
