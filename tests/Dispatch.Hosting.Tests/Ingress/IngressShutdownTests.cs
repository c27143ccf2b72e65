using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Latency;
using Dispatch.Hosting.Ingress;
using Dispatch.Hosting.Tests.Support;

namespace Dispatch.Hosting.Tests.Ingress;

public sealed class IngressShutdownTests
{
    private const string Token = "ingress-stop-token-123";

    [Fact]
    public async Task Stopping_the_node_answers_a_caller_waiting_on_the_ingress_with_its_cancelled_result()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Latency = LatencyOptions.Fixed(TimeSpan.FromSeconds(60)), ShutdownTimeout = TimeSpan.Zero });
        await using var node = DispatchNode.Build(d =>
        {
            TestNode.Isolate(d, new Dictionary<string, string> { ["DISPATCH_INGRESS_TOKEN"] = Token });
            d.AddHocon(TestNode.Endpoint("chat", upstream.BaseUrl) + "\ndispatch.ingress.port = 0\ndispatch.shutdown.drain-timeout = 100ms");
        });
        await node.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(DispatchNode.IngressAddress(node)), Timeout = TestNode.Patience };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/calls") { Content = new StringContent($$"""{"id":"waiting","body":{{TestNode.ChatPayload()}}}""", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        var waiting = http.SendAsync(request);
        await TestNode.Eventually(() => upstream.Counters.OpenRequests > 0, "the call is in flight upstream");
        var stopping = node.StopAsync();

        // The drain begins when the host starts stopping, beside the web server's own stop, so the caller
        // gets its result instead of a connection closed under it.
        using var response = await waiting;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(("waiting", "Cancelled"), (result.GetProperty("callId").GetString(), result.GetProperty("status").GetString()));
        await stopping;
    }
}
