using System.Net;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.RateLimiting;
using Dispatch.FakeUpstream.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.FakeUpstream.Tests.Faults;

public sealed class FaultScriptingSpec
{
    private static async Task<List<int>> SendAsync(HttpClient http, int count, Func<HttpRequestMessage> request)
    {
        var statuses = new List<int>();
        for (var i = 0; i < count; i++)
        {
            using var response = await http.SendAsync(request());
            statuses.Add((int)response.StatusCode);
        }

        return statuses;
    }

    [Fact]
    public async Task Queued_faults_apply_to_the_next_requests_in_order()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        up.Faults.Enqueue(new Fault(FaultKind.ServiceUnavailable), new Fault(FaultKind.InternalServerError), Fault.None, new Fault(FaultKind.NotFound));

        var statuses = await SendAsync(http, 5, () => Requests.Chat());

        Assert.Equal([503, 500, 200, 404, 200], statuses);
        Assert.Equal(0, up.Faults.Pending);
    }

    [Fact]
    public async Task Header_script_follows_the_arrivals_of_its_call_id()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        var statuses = await SendAsync(http, 4, () => Requests.Chat(callId: "call-1", faultScript: "503,502,ok"));

        Assert.Equal([503, 502, 200, 200], statuses);
        Assert.Equal(4, up.Counters.ArrivalsOf("call-1"));
    }

    [Fact]
    public async Task Header_script_ending_in_a_star_repeats_its_last_step()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        var statuses = await SendAsync(http, 3, () => Requests.Chat(callId: "call-1", faultScript: "500*"));

        Assert.Equal([500, 500, 500], statuses);
    }

    [Fact]
    public async Task Header_script_can_carry_a_Retry_After()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Chat(faultScript: "429:7"));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("7", response.Header("Retry-After"));
        Assert.Equal(0, up.Counters.Throttled);
    }

    [Fact]
    public async Task Invalid_header_script_is_answered_400()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Chat(faultScript: "503,explode"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_fault_script", (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Call_id_script_applies_only_to_that_call_id_by_Idempotency_Key_too()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        up.Faults.ScriptCallId("flaky", new Fault(FaultKind.BadGateway), new Fault(FaultKind.ConnectionReset));
        HttpRequestMessage Flaky()
        {
            var request = Requests.Chat();
            request.Headers.Add(FakeUpstreamHeaders.IdempotencyKey, "flaky");
            return request;
        }

        using var first = await http.SendAsync(Flaky());
        using var other = await http.SendAsync(Requests.Chat(callId: "steady"));
        await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync(Flaky()));
        using var third = await http.SendAsync(Flaky());

        Assert.Equal(HttpStatusCode.BadGateway, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(3, up.Counters.ArrivalsOf("flaky"));
    }

    [Fact]
    public async Task Outage_fails_every_request_until_its_duration_has_passed_on_the_server_clock()
    {
        var clock = new FakeTimeProvider();
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { TimeProvider = clock });
        using var http = up.CreateClient();
        up.Faults.StartOutage(new Fault(FaultKind.ServiceUnavailable, TimeSpan.FromSeconds(1)), TimeSpan.FromSeconds(20));

        var during = await SendAsync(http, 3, () => Requests.Chat());
        clock.Advance(TimeSpan.FromSeconds(20));
        var after = await SendAsync(http, 2, () => Requests.Chat());

        Assert.Equal([503, 503, 503], during);
        Assert.Equal([200, 200], after);
        Assert.False(up.Faults.OutageActive);
    }

    [Fact]
    public async Task Outage_without_a_duration_lasts_until_ended()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        up.Faults.StartOutage(new Fault(FaultKind.InternalServerError));

        var during = await SendAsync(http, 2, () => Requests.Echo());
        up.Faults.EndOutage();
        var after = await SendAsync(http, 1, () => Requests.Echo());

        Assert.Equal([500, 500], during);
        Assert.Equal([200], after);
    }

    [Fact]
    public async Task Injected_faults_charge_no_rate_limit_budget()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
        {
            Limits = new RateLimitOptions { RequestsPerWindow = 1, Window = TimeSpan.FromHours(1) },
        });
        using var http = up.CreateClient();
        up.Faults.Enqueue(FaultKind.ServiceUnavailable, count: 3);

        var statuses = await SendAsync(http, 5, () => Requests.Echo());

        Assert.Equal([503, 503, 503, 200, 429], statuses);
    }

    [Fact]
    public async Task Random_faults_follow_their_rates()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
        {
            RandomSeed = 7,
            Faults = new FaultOptions { Rates = new Dictionary<FaultKind, double> { [FaultKind.BadGateway] = 1.0 } },
        });
        using var http = up.CreateClient();

        var always = await SendAsync(http, 3, () => Requests.Echo());
        up.Faults.Options = FaultOptions.None;
        var never = await SendAsync(http, 3, () => Requests.Echo());

        Assert.Equal([502, 502, 502], always);
        Assert.Equal([200, 200, 200], never);
    }

    [Fact]
    public async Task Random_faults_with_the_same_seed_repeat_the_same_sequence()
    {
        async Task<List<int>> RunAsync()
        {
            await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
            {
                RandomSeed = 42,
                Faults = FaultOptions.Spread(0.5, FaultKind.InternalServerError, FaultKind.ServiceUnavailable),
            });
            using var http = up.CreateClient();
            return await SendAsync(http, 40, () => Requests.Echo());
        }

        var first = await RunAsync();
        var second = await RunAsync();

        Assert.Equal(first, second);
        Assert.Contains(200, first);
        Assert.Contains(500, first);
        Assert.Contains(503, first);
    }
}
