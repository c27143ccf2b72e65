using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dispatch.Hosting.Ingress;
using Dispatch.Hosting.Tests.Support;
using Microsoft.AspNetCore.Builder;

namespace Dispatch.Hosting.Tests.ClusterMode;

/// <summary>A hosted node with its ingress on a free loopback port, in cluster mode, and an HTTP client for it.</summary>
internal sealed class ClusterTestNode : IAsyncDisposable
{
    public const string Token = "cluster-test-token-0123456789";

    private ClusterTestNode(string name, WebApplication app)
    {
        Name = name;
        App = app;
        Http = new HttpClient { BaseAddress = new Uri(DispatchNode.IngressAddress(app)) };
    }

    public string Name { get; }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public static string Config(string upstreamUrl, string name, string prefix, string redis, string extra = "") => $$"""
        {{TestNode.Endpoint("chat", upstreamUrl)}}
        dispatch.ingress.port = 0
        dispatch.shutdown.drain-timeout = 5s
        dispatch.cluster {
          enabled = true
          node-name = "{{name}}"
          key-prefix = "{{prefix}}"
          redis = "{{redis}}"
          heartbeat = 1s
          read-block = 200ms
          {{extra}}
        }
        """;

    public static async Task<ClusterTestNode> StartAsync(string name, string config)
    {
        var app = DispatchNode.Build(d =>
        {
            TestNode.Isolate(d, new Dictionary<string, string> { ["DISPATCH_INGRESS_TOKEN"] = Token });
            d.AddHocon(config, name + ".conf");
        });
        await app.StartAsync();
        return new ClusterTestNode(name, app);
    }

    public async Task<(int Status, JsonElement Body)> PostCallAsync(string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/calls") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    public async Task<JsonElement> StatusAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/status");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Two cluster nodes, <c>{prefix}-a</c> and <c>{prefix}-b</c>, in front of one upstream and one Redis.</summary>
internal sealed class TwoClusterNodes : IAsyncDisposable
{
    private TwoClusterNodes(string prefix, ClusterTestNode a, ClusterTestNode b)
    {
        Prefix = prefix;
        A = a;
        B = b;
    }

    public string Prefix { get; }

    public ClusterTestNode A { get; }

    public ClusterTestNode B { get; }

    public static async Task<TwoClusterNodes> StartAsync(string upstreamUrl, string redis, string extra = "")
    {
        var prefix = "hosting-" + Guid.NewGuid().ToString("N")[..8];
        var a = await ClusterTestNode.StartAsync("node-a", ClusterTestNode.Config(upstreamUrl, $"{prefix}-a", prefix, redis) + extra);
        var b = await ClusterTestNode.StartAsync("node-b", ClusterTestNode.Config(upstreamUrl, $"{prefix}-b", prefix, redis) + extra);
        return new TwoClusterNodes(prefix, a, b);
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
