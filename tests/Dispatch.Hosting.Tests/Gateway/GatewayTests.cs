using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Faults;
using Dispatch.Hosting.Gateway;
using Dispatch.Hosting.Tests.Support;

namespace Dispatch.Hosting.Tests.Gateway;

/// <summary>
/// The OpenAI-compatible gateway of a real node on loopback, called over HTTP as an SDK would, in front of the
/// fake provider over HTTP. Each test has its own node and provider, as several script the provider's faults.
/// </summary>
public sealed class GatewayTests : IAsyncLifetime
{
    private GatewayNode _gateway = null!;

    /// <summary>A provider that streams its first chunk, then waits longer than any test: a stream still in progress.</summary>
    private FakeUpstreamServer _slow = null!;
    private HttpClient _http = null!;

    private FakeUpstreamServer Upstream => _gateway.Upstream;

    public async ValueTask InitializeAsync()
    {
        _slow = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 2, StreamChunkGap = TimeSpan.FromMinutes(10) });
        _gateway = await GatewayNode.StartAsync(upstream => $$"""
            dispatch.endpoints.by-path { base-url = "{{upstream}}", rate-limit { requests = 1000, interval = 1s } }
            dispatch.endpoints.fragile {
              base-url = "{{upstream}}", path = /v1/chat/completions
              retry.max-attempts = 1, breaker { max-failures = 1, reset-timeout = 1h, max-reset-timeout = 1h }
            }
            dispatch.endpoints.slow { base-url = "{{_slow.BaseUrl}}", path = /v1/chat/completions }
            dispatch.gateway {
              routes { "/v1/chat/completions" = chat, "/v1/embeddings" = by-path, "/v1/custom/chat" = chat }
              models { "chat-model" = chat, "tiny-model" = tiny, "fragile-model" = fragile, "slow-model" = slow }
            }
            """);
        _http = new HttpClient { BaseAddress = new Uri(_gateway.Address), Timeout = TestNode.Patience };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
        await _slow.DisposeAsync();
    }

    [Fact]
    public async Task A_chat_completion_comes_back_as_the_provider_answered_with_its_client_headers()
    {
        using var response = await PostAsync("/v1/chat/completions", TestNode.ChatPayload());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonAsync(response);
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.True(body.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("req_", Header(response, "x-request-id"));
        Assert.Equal("100000", Header(response, FakeUpstreamHeaders.LimitRequests));
        Assert.NotNull(Header(response, FakeUpstreamHeaders.RemainingTokens));
        Assert.Equal("1", Header(response, GatewayEndpoints.AttemptsHeader));
        Assert.Equal(32, Header(response, GatewayEndpoints.CallIdHeader)?.Length);
    }

    [Fact]
    public async Task The_provider_gets_the_endpoints_key_never_the_clients_token()
    {
        // The provider refuses every key but its own (401); the client only ever sent the ingress token.
        using var response = await PostAsync("/v1/chat/completions", TestNode.ChatPayload());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, Upstream.Counters.ResponsesWithStatus(401));
    }

    [Fact]
    public async Task A_path_named_in_routes_is_served_and_an_endpoint_without_a_path_gets_the_requests_path()
    {
        using var custom = await PostAsync("/v1/custom/chat", TestNode.ChatPayload());
        using var embeddings = await PostAsync("/v1/embeddings", """{"model":"text-embedding-3-small","input":["hello","world"]}""");

        Assert.Equal(HttpStatusCode.OK, custom.StatusCode);
        Assert.Equal("chat.completion", (await JsonAsync(custom)).GetProperty("object").GetString());
        Assert.Equal(HttpStatusCode.OK, embeddings.StatusCode);
        var list = await JsonAsync(embeddings);
        Assert.Equal("list", list.GetProperty("object").GetString());
        Assert.Equal(2, list.GetProperty("data").GetArrayLength());
        Assert.Equal(3, list.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task A_request_of_megabytes_is_read_whole_and_sent_on()
    {
        // 2 MB of content: it arrives in many reads, beyond the first buffer's size.
        using var response = await PostAsync("/v1/chat/completions", TestNode.ChatPayload(new string('a', 2_000_000)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(Upstream.Counters.PromptTokens > 100_000, $"the provider counted {Upstream.Counters.PromptTokens} prompt tokens");
    }

    [Fact]
    public async Task A_model_named_in_models_wins_over_the_path()
    {
        // /v1/embeddings routes to by-path, which would send to /v1/embeddings; the model sends it to chat's /v1/chat/completions.
        using var response = await PostAsync("/v1/embeddings", """{"model":"chat-model","messages":[{"role":"user","content":"hi"}],"max_tokens":3}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chat.completion", (await JsonAsync(response)).GetProperty("object").GetString());
    }

    [Fact]
    public async Task A_model_and_path_that_map_to_nothing_get_an_openai_shaped_404_naming_what_is_configured()
    {
        using var response = await PostAsync("/v1/completions", """{"model":"gpt-unknown","prompt":"hi"}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = (await JsonAsync(response)).GetProperty("error");
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("'gpt-unknown'", message);
        Assert.Contains("/v1/completions", message);
        Assert.Contains("chat-model", message);
        Assert.Contains("/v1/embeddings", message);
        Assert.Equal(0, Upstream.Counters.RequestsReceived);
    }

    [Fact]
    public async Task A_path_the_gateway_does_not_serve_gets_an_openai_shaped_404_listing_the_paths_it_serves()
    {
        using var response = await PostAsync("/v2/anything", TestNode.ChatPayload());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = (await JsonAsync(response)).GetProperty("error");
        Assert.Equal("unknown_route", error.GetProperty("code").GetString());
        Assert.Contains("/v2/anything", error.GetProperty("message").GetString());
        Assert.Contains("/v1/custom/chat", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_request_without_the_ingress_token_is_answered_401_and_never_sent()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(TestNode.ChatPayload()) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-provider-key");
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, Upstream.Counters.RequestsReceived);
    }

    [Fact]
    public async Task A_streamed_chat_completion_is_relayed_as_server_sent_events_with_the_dispatch_and_provider_headers()
    {
        using var response = await PostAsync("/v1/chat/completions", StreamPayload(includeUsage: false));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("1", Header(response, GatewayEndpoints.AttemptsHeader));
        Assert.Equal(32, Header(response, GatewayEndpoints.CallIdHeader)?.Length);
        Assert.StartsWith("req_", Header(response, "x-request-id"));
        Assert.Equal("100000", Header(response, FakeUpstreamHeaders.LimitRequests));
        var events = Events(await response.Content.ReadAsStringAsync());
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.Equal(6, chunks.Count);
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
    }

    [Fact]
    public async Task A_streamed_request_gets_the_usage_chunk_asked_for_it_but_shown_only_to_a_client_that_asked()
    {
        using var unasked = await PostAsync("/v1/chat/completions", StreamPayload(includeUsage: false));
        using var asked = await PostAsync("/v1/chat/completions", StreamPayload(includeUsage: true));

        // "usage": null on every chunk is how the provider answers a request with include_usage: the gateway added it.
        var unaskedChunks = Events(await unasked.Content.ReadAsStringAsync())[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.All(unaskedChunks, c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
        var askedChunks = Events(await asked.Content.ReadAsStringAsync())[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.Equal(7, askedChunks.Count);
        Assert.Equal(0, askedChunks[^1].GetProperty("choices").GetArrayLength());
        Assert.True(askedChunks[^1].GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task The_first_streamed_event_reaches_the_client_while_the_provider_is_still_sending()
    {
        using var response = await PostAsync("/v1/chat/completions", StreamPayload(includeUsage: false, model: "slow-model"), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);

        var first = await reader.ReadLineAsync();

        Assert.StartsWith("data: {", first);
        Assert.Equal(1, _slow.Counters.OpenRequests);
    }

    [Fact]
    public async Task A_client_that_goes_away_mid_stream_cancels_its_call_and_the_providers_request()
    {
        var response = await PostAsync("/v1/chat/completions", StreamPayload(includeUsage: false, model: "slow-model"), HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        Assert.StartsWith("data: {", await reader.ReadLineAsync());

        reader.Dispose();
        response.Dispose();

        await TestNode.Eventually(() => _slow.Counters.OpenRequests == 0, "the provider's request to be aborted");
        Assert.Equal(1, _slow.Counters.Snapshot().Aborted);
    }

    [Fact]
    public async Task A_streamed_request_the_provider_refuses_gets_its_error_whole_as_json()
    {
        Upstream.Faults.Enqueue(FaultKind.BadRequest);

        using var response = await PostAsync("/v1/chat/completions", StreamPayload(includeUsage: false));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await JsonAsync(response)).GetProperty("error").TryGetProperty("message", out _));
        Assert.Equal("1", Header(response, GatewayEndpoints.AttemptsHeader));
    }

    [Fact]
    public async Task An_idempotency_key_becomes_the_call_id_and_goes_on_to_the_provider()
    {
        // Sent twice one after the other: two calls with one id, each answered (Dispatch keeps no answer once given,
        // and refuses a second request while the first is in flight); the provider sees the key on both.
        using var first = await PostAsync("/v1/chat/completions", TestNode.ChatPayload(), idempotencyKey: "key-42");
        using var second = await PostAsync("/v1/chat/completions", TestNode.ChatPayload(), idempotencyKey: "key-42");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("key-42", Header(first, GatewayEndpoints.CallIdHeader));
        Assert.Equal("key-42", Header(second, GatewayEndpoints.CallIdHeader));
        Assert.Equal(2, Upstream.Counters.ArrivalsOf("key-42"));
    }

    [Fact]
    public async Task The_providers_own_error_passes_through_with_its_status_and_body()
    {
        Upstream.Faults.Enqueue(FaultKind.BadRequest);

        using var response = await PostAsync("/v1/chat/completions", TestNode.ChatPayload());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await JsonAsync(response)).GetProperty("error").TryGetProperty("message", out _));
        Assert.Equal("1", Header(response, GatewayEndpoints.AttemptsHeader));
    }

    [Fact]
    public async Task A_full_queue_is_answered_429_with_retry_after_in_the_openai_shape()
    {
        // The one executor holds a call the provider never answers; of the next two, one waits in the one queue place.
        Upstream.Faults.Enqueue(FaultKind.Timeout);
        _ = PostAsync("/v1/chat/completions", TestNode.ChatPayload("held"), model: "tiny-model");
        await TestNode.Eventually(() => Upstream.Counters.OpenRequests == 1, "the provider holds the first call");

        var racing = new[] { PostAsync("/v1/chat/completions", TestNode.ChatPayload("a"), model: "tiny-model"), PostAsync("/v1/chat/completions", TestNode.ChatPayload("b"), model: "tiny-model") };
        using var refused = await await Task.WhenAny(racing);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("1", Header(refused, "Retry-After"));
        Assert.Equal("0", Header(refused, GatewayEndpoints.AttemptsHeader));
        var error = (await JsonAsync(refused)).GetProperty("error");
        Assert.Equal("queue_full", error.GetProperty("code").GetString());
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal(1, Upstream.Counters.RequestsReceived);
    }

    [Fact]
    public async Task An_open_circuit_is_answered_503_in_the_openai_shape_without_calling_the_provider()
    {
        Upstream.Faults.Enqueue(FaultKind.InternalServerError);
        using var failed = await PostAsync("/v1/chat/completions", TestNode.ChatPayload(), model: "fragile-model");
        await UntilBreakerOpenAsync("fragile");

        using var refused = await PostAsync("/v1/chat/completions", TestNode.ChatPayload(), model: "fragile-model");

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("circuit_open", (await JsonAsync(refused)).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(1, Upstream.Counters.RequestsReceived);
    }

    private Task<HttpResponseMessage> PostAsync(string path, string body, string? idempotencyKey = null, string? model = null,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        if (model is not null) body = body.Replace("\"model\":\"m\"", $"\"model\":\"{model}\"", StringComparison.Ordinal);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayNode.Token);
        if (idempotencyKey is not null) request.Headers.Add(GatewayEndpoints.IdempotencyKeyHeader, idempotencyKey);
        return _http.SendAsync(request, completion);
    }

    private Task<HttpResponseMessage> PostAsync(string path, string body, HttpCompletionOption completion) =>
        PostAsync(path, body, idempotencyKey: null, model: null, completion);

    private static string StreamPayload(bool includeUsage, string model = "chat-model") =>
        $$"""{"model":"{{model}}","stream":true,{{(includeUsage ? "\"stream_options\":{\"include_usage\":true}," : "")}}"messages":[{"role":"user","content":"hello there"}],"max_tokens":5}""";

    /// <summary>The <c>data:</c> payloads of a server-sent-events body, in order.</summary>
    private static List<string> Events(string body) =>
        [.. body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.Trim()).Where(e => e.StartsWith("data: ", StringComparison.Ordinal)).Select(e => e["data: ".Length..])];

    /// <summary>The breaker hears of a failure just after its caller does; waits until the node's status shows it open.</summary>
    private async Task UntilBreakerOpenAsync(string endpoint)
    {
        var deadline = DateTime.UtcNow + TestNode.Patience;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/status");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayNode.Token);
            using var response = await _http.SendAsync(request);
            var endpoints = (await JsonAsync(response)).GetProperty("endpoints").EnumerateArray();
            if (endpoints.Any(e => e.GetProperty("endpoint").GetString() == endpoint && e.GetProperty("breaker").GetString() == "Open")) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the breaker of {endpoint} did not open");
            await Task.Delay(20);
        }
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : null;
}
