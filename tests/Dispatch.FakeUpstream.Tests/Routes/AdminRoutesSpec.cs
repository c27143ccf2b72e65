using System.Net;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.RateLimiting;
using Dispatch.FakeUpstream.Tests.Support;

namespace Dispatch.FakeUpstream.Tests.Routes;

public sealed class AdminRoutesSpec
{
    [Fact]
    public async Task Healthz_answers_ok_without_being_counted()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { RequiredApiKey = "secret" });
        using var http = up.CreateClient();

        using var response = await http.GetAsync("healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, up.Counters.RequestsReceived);
    }

    [Fact]
    public async Task Counters_route_reports_the_same_numbers_as_the_counters_object()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        up.Faults.Enqueue(FaultKind.ServiceUnavailable);
        (await http.SendAsync(Requests.Echo(tokens: 5, callId: "c1"))).Dispose();
        (await http.SendAsync(Requests.Echo(tokens: 5, callId: "c1"))).Dispose();

        var json = await (await http.GetAsync("v1/counters?callIds=true")).JsonAsync();

        Assert.Equal(2, json.GetProperty("requestsReceived").GetInt64());
        Assert.Equal(1, json.GetProperty("completed").GetInt64());
        Assert.Equal(1, json.GetProperty("responsesByStatus").GetProperty("503").GetInt64());
        Assert.Equal(1, json.GetProperty("faultsByKind").GetProperty("ServiceUnavailable").GetInt64());
        Assert.Equal(5, json.GetProperty("maxTokensInWindow").GetInt64());
        Assert.Equal(2, json.GetProperty("callIdArrivals").GetProperty("c1").GetInt64());
        Assert.Equal(1, json.GetProperty("repeatedArrivals").GetInt64());
    }

    [Fact]
    public async Task Counters_route_leaves_out_call_ids_unless_asked()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        (await http.SendAsync(Requests.Echo(callId: "c1"))).Dispose();

        var json = await (await http.GetAsync("v1/counters")).JsonAsync();

        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("callIdArrivals").ValueKind);
        Assert.Equal(1, json.GetProperty("distinctCallIds").GetInt64());
    }

    [Fact]
    public async Task Reset_route_zeroes_counters_and_empties_windows_and_fault_queues()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
        {
            Limits = new RateLimitOptions { RequestsPerWindow = 1, Window = TimeSpan.FromHours(1) },
        });
        using var http = up.CreateClient();
        (await http.SendAsync(Requests.Echo(callId: "c1"))).Dispose();
        up.Faults.Enqueue(FaultKind.InternalServerError);

        using var reset = await http.PostAsync("v1/reset", content: null);
        using var afterReset = await http.SendAsync(Requests.Echo(callId: "c1"));

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterReset.StatusCode);
        Assert.Equal(1, up.Counters.RequestsReceived);
        Assert.Equal(1, up.Counters.ArrivalsOf("c1"));
        Assert.Equal(0, up.Faults.Pending);
    }
}
