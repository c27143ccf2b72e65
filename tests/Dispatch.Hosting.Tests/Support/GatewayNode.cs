using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.RateLimiting;
using Dispatch.Hosting.Ingress;
using Microsoft.AspNetCore.Builder;

namespace Dispatch.Hosting.Tests.Support;

/// <summary>
/// A real node on loopback whose gateway fronts a fake provider over HTTP. The provider refuses every key but its
/// own (<see cref="ProviderKey"/>, sent by the node from <c>api-key-env</c>); clients send only <see cref="Token"/>.
/// Endpoints <c>chat</c> and <c>tiny</c> (one executor, one queue place, no retries) are configured; the test adds
/// its own endpoints and its <c>dispatch.gateway</c> section.
/// </summary>
internal sealed class GatewayNode : IAsyncDisposable
{
    public const string Token = "gateway-test-token-123";
    public const string ProviderKey = "sk-provider-key-456";

    private GatewayNode(FakeUpstreamServer upstream, WebApplication node)
    {
        Upstream = upstream;
        Node = node;
        Address = DispatchNode.IngressAddress(node);
    }

    public FakeUpstreamServer Upstream { get; }

    public WebApplication Node { get; }

    /// <summary>The ingress's base address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Address { get; }

    /// <param name="hocon">The test's own settings, given the provider's base URL.</param>
    public static async Task<GatewayNode> StartAsync(Func<string, string> hocon)
    {
        var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
        {
            Limits = RateLimitOptions.PerMinute(100_000, 10_000_000),
            RequiredApiKey = ProviderKey,
        });
        var settings = $$"""
            dispatch.endpoint-defaults.api-key-env = PROVIDER_KEY
            {{TestNode.Endpoint("chat", upstream.BaseUrl)}}
            dispatch.endpoints.tiny {
              base-url = "{{upstream.BaseUrl}}", path = /v1/chat/completions
              queue.capacity = 1, executor.concurrency = 1, retry.max-attempts = 1
            }
            dispatch.ingress.port = 0
            dispatch.shutdown.drain-timeout = 0s
            {{hocon(upstream.BaseUrl)}}
            """;
        try
        {
            var node = DispatchNode.Build(d =>
            {
                TestNode.Isolate(d, new Dictionary<string, string> { ["DISPATCH_INGRESS_TOKEN"] = Token, ["PROVIDER_KEY"] = ProviderKey });
                d.AddHocon(settings);
            });
            await node.StartAsync();
            return new GatewayNode(upstream, node);
        }
        catch
        {
            await upstream.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Node.StopAsync();
        await Node.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
