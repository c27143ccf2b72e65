using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dispatch.FakeUpstream;
using Dispatch.Hosting.Ingress;
using Dispatch.Hosting.Tests.Support;
using Microsoft.AspNetCore.Builder;

namespace Dispatch.Hosting.Tests.Ingress;

/// <summary>A real node (<see cref="DispatchNode"/>) on loopback, called over HTTP, calling the fake upstream over HTTP.</summary>
[Collection(MetricsScrapes.Name)]
public sealed class IngressTests : IAsyncLifetime
{
    private const string Token = "ingress-test-token-123";
    private FakeUpstreamServer _upstream = null!;
    private WebApplication _node = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        _node = DispatchNode.Build(d =>
        {
            TestNode.Isolate(d, new Dictionary<string, string> { ["DISPATCH_INGRESS_TOKEN"] = Token });
            d.AddHocon(TestNode.Endpoint("ingress-chat", _upstream.BaseUrl) + "\ndispatch.ingress.port = 0");
        });
        await _node.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(DispatchNode.IngressAddress(_node)) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _node.StopAsync();
        await _node.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task A_request_without_the_bearer_token_is_answered_401()
    {
        using var response = await _http.PostAsync(new Uri("/v1/calls", UriKind.Relative), Json("""{"body":{}}"""));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task The_bearer_scheme_is_read_in_any_case_and_the_token_exactly()
    {
        using var lower = Post($$"""{"id":"lower-1","body":{{TestNode.ChatPayload()}}}""");
        lower.Headers.Authorization = new AuthenticationHeaderValue("bearer", Token);
        using var upperToken = Post("""{"body":{}}""");
        upperToken.Headers.Authorization = new AuthenticationHeaderValue("bearer", Token.ToUpperInvariant());

        using var accepted = await _http.SendAsync(lower);
        using var refused = await _http.SendAsync(upperToken);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Theory]
    [InlineData("""{"body":{},"endpont":"ingress-chat"}""", "unknown field 'endpont'")]
    [InlineData("""{"body":{},"endpoint":"ingress-chta"}""", "unknown endpoint 'ingress-chta': this node has ingress-chat")]
    public async Task An_unknown_field_or_endpoint_is_answered_400_naming_it(string json, string expected)
    {
        using var response = await _http.SendAsync(Post(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
        Assert.StartsWith(expected, error);
        Assert.Equal(0, _upstream.Counters.RequestsReceived);
    }

    [Fact]
    public async Task A_request_with_a_wrong_token_is_answered_401()
    {
        using var request = Post("""{"body":{}}""", "wrong-token");
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Malformed_json_is_answered_400_with_the_reason()
    {
        using var request = Post("""{"body": {"model": }""");
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
        Assert.Equal("the request body is not valid JSON at line 1, column 20: '}' is an invalid start of a value.", error);
    }

    [Fact]
    public async Task A_call_without_a_body_is_answered_400_naming_the_field()
    {
        using var request = Post("""{"id":"x"}""");
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
        Assert.StartsWith("'body' is required", error);
    }

    [Fact]
    public async Task A_good_call_is_answered_with_its_result()
    {
        using var request = Post($$"""{"id":"ingress-1","body":{{TestNode.ChatPayload()}}}""");
        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("ingress-1", result.GetProperty("callId").GetString());
        Assert.Equal("Completed", result.GetProperty("status").GetString());
        Assert.Equal(200, result.GetProperty("httpStatus").GetInt32());
        Assert.Contains("choices", result.GetProperty("body").GetString());
    }

    [Fact]
    public async Task The_status_lists_the_endpoints_and_has_no_cluster_section_standalone()
    {
        using var response = await _http.SendAsync(Get("/v1/status"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var endpoints = root.GetProperty("endpoints");
        Assert.Equal("ingress-chat", endpoints[0].GetProperty("endpoint").GetString());
        Assert.False(root.TryGetProperty("cluster", out _));
    }

    [Fact]
    public async Task Metrics_without_the_bearer_token_are_answered_401()
    {
        using var response = await _http.GetAsync(new Uri(IngressEndpoints.MetricsPath, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_completed_call_shows_up_in_the_prometheus_metrics()
    {
        using (var call = await _http.SendAsync(Post($$"""{"id":"metrics-1","body":{{TestNode.ChatPayload()}}}""")))
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);

        // The counter is recorded when the call's CallFinished event reaches the telemetry actor, just after the answer.
        string? line = null;
        await TestNode.Eventually(
            () =>
            {
                using var response = _http.Send(Get(IngressEndpoints.MetricsPath));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
                using var reader = new StreamReader(response.Content.ReadAsStream());
                line = reader.ReadToEnd().Split('\n').FirstOrDefault(l =>
                    l.StartsWith("dispatch_calls", StringComparison.Ordinal) &&
                    l.Contains("endpoint=\"ingress-chat\"", StringComparison.Ordinal) &&
                    l.Contains("status=\"Completed\"", StringComparison.Ordinal));
                return line is not null;
            },
            "the completed call is counted on /metrics");

        var counted = line ?? "";
        var value = counted[(counted.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
        Assert.True(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) >= 1, counted);
    }

    private static HttpRequestMessage Post(string json, string token = Token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/calls") { Content = Json(json) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static HttpRequestMessage Get(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return request;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
