using System.Net;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.RateLimiting;
using Dispatch.FakeUpstream.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.FakeUpstream.Tests.Counting;

public sealed class CountersSpec
{
    private readonly FakeTimeProvider _clock = new();

    private Task<FakeUpstreamServer> StartAsync(RateLimitOptions limits) =>
        FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Limits = limits, TimeProvider = _clock });

    [Fact]
    public async Task Max_requests_and_tokens_in_window_are_exact_for_any_window_position()
    {
        await using var up = await StartAsync(new RateLimitOptions { Window = TimeSpan.FromSeconds(10) });
        using var http = up.CreateClient("k");
        // Windows are (t - 10s, t]: the one ending at 10 no longer holds the admission at 0,
        // so no window holds 4 requests; the busiest hold 3, the heaviest is (-8, 2] with 60 tokens.
        var schedule = new (double At, long Tokens)[] { (0, 5), (1, 5), (2, 50), (10, 1), (11.5, 1), (30, 1) };
        var now = 0.0;
        foreach (var (at, tokens) in schedule)
        {
            _clock.Advance(TimeSpan.FromSeconds(at - now));
            now = at;
            (await http.SendAsync(Requests.Echo(tokens))).Dispose();
        }

        Assert.Equal(3, up.Counters.MaxRequestsInWindow);
        Assert.Equal(60, up.Counters.MaxTokensInWindow);
    }

    [Fact]
    public async Task Max_in_window_is_the_largest_of_any_one_key()
    {
        await using var up = await StartAsync(RateLimitOptions.Unlimited);
        using var alice = up.CreateClient("alice");
        using var bob = up.CreateClient("bob");

        for (var i = 0; i < 3; i++) (await alice.SendAsync(Requests.Echo(1))).Dispose();
        for (var i = 0; i < 2; i++) (await bob.SendAsync(Requests.Echo(10))).Dispose();

        Assert.Equal(3, up.Counters.MaxRequestsInWindow);
        Assert.Equal(20, up.Counters.MaxTokensInWindow);
    }

    [Fact]
    public async Task Max_in_window_never_exceeds_the_limits_under_concurrent_load()
    {
        await using var up = await StartAsync(new RateLimitOptions { RequestsPerWindow = 50, TokensPerWindow = 400, Window = TimeSpan.FromHours(1) });
        using var http = up.CreateClient("k");

        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await http.SendAsync(Requests.Echo(tokens: 1 + (i % 7)));
            return (int)response.StatusCode;
        }));

        Assert.True(up.Counters.MaxRequestsInWindow <= 50);
        Assert.True(up.Counters.MaxTokensInWindow <= 400);
        Assert.Equal(200, statuses.Length);
        Assert.Equal(statuses.Count(s => s == 429), up.Counters.Throttled);
        Assert.Equal(statuses.Count(s => s == 200), up.Counters.Completed);
        Assert.Equal(up.Counters.TokensCharged, up.Counters.MaxTokensInWindow);
    }

    [Fact]
    public async Task Arrivals_are_counted_per_call_id()
    {
        await using var up = await StartAsync(RateLimitOptions.Unlimited);
        using var http = up.CreateClient();
        up.Faults.Enqueue(FaultKind.InternalServerError);

        (await http.SendAsync(Requests.Echo(callId: "a"))).Dispose();
        (await http.SendAsync(Requests.Echo(callId: "a"))).Dispose();
        (await http.SendAsync(Requests.Echo(callId: "b"))).Dispose();
        (await http.SendAsync(Requests.Echo())).Dispose();

        var snapshot = up.Counters.Snapshot();
        Assert.Equal(2, up.Counters.ArrivalsOf("a"));
        Assert.Equal(1, up.Counters.ArrivalsOf("b"));
        Assert.Equal(0, up.Counters.ArrivalsOf("never"));
        Assert.Equal(2, snapshot.DistinctCallIds);
        Assert.Equal(1, snapshot.RepeatedArrivals);
        Assert.Equal(2, snapshot.MaxArrivalsPerCallId);
        Assert.Equal(4, snapshot.RequestsReceived);
        Assert.Equal(new Dictionary<int, long> { [200] = 3, [500] = 1 }, snapshot.ResponsesByStatus);
    }

    [Fact]
    public async Task Open_requests_and_their_peak_follow_requests_in_flight()
    {
        await using var up = await StartAsync(RateLimitOptions.Unlimited);
        using var http = up.CreateClient();
        up.Faults.Enqueue(FaultKind.Timeout, count: 3);
        using var giveUp = new CancellationTokenSource();

        var hanging = Enumerable.Range(0, 3).Select(_ => http.SendAsync(Requests.Echo(), giveUp.Token)).ToArray();
        await Eventually.TrueAsync(() => up.Counters.OpenRequests == 3, "three requests are open");
        giveUp.Cancel();
        foreach (var call in hanging) await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await Eventually.TrueAsync(() => up.Counters.OpenRequests == 0, "all are closed");

        Assert.Equal(3, up.Counters.MaxOpenRequests);
    }

    [Fact]
    public async Task Reset_zeroes_the_counters_and_forgets_the_windows()
    {
        await using var up = await StartAsync(RateLimitOptions.Unlimited);
        using var http = up.CreateClient();
        (await http.SendAsync(Requests.Echo(tokens: 9, callId: "a"))).Dispose();

        up.Reset();

        var snapshot = up.Counters.Snapshot();
        Assert.Equal(0, snapshot.RequestsReceived);
        Assert.Equal(0, snapshot.Completed);
        Assert.Equal(0, snapshot.MaxTokensInWindow);
        Assert.Equal(0, snapshot.DistinctCallIds);
        Assert.Empty(snapshot.ResponsesByStatus);
    }

    [Fact]
    public async Task Every_request_is_counted_once_as_a_status_or_an_abort_under_concurrent_faults()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
        {
            RandomSeed = 5,
            Faults = FaultOptions.Spread(0.4, FaultKind.InternalServerError, FaultKind.ServiceUnavailable, FaultKind.ConnectionReset, FaultKind.MalformedJson),
        });
        using var http = up.CreateClient();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 300).Select(async i =>
        {
            try
            {
                using var response = await http.SendAsync(Requests.Echo(callId: $"call-{i}"));
                return (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return 0;
            }
        }));
        await Eventually.TrueAsync(() => up.Counters.OpenRequests == 0, "every request has ended");

        var snapshot = up.Counters.Snapshot();
        Assert.Equal(300, snapshot.RequestsReceived);
        Assert.Equal(snapshot.RequestsReceived, snapshot.ResponsesByStatus.Values.Sum() + snapshot.Aborted);
        Assert.Equal(outcomes.Count(o => o == 0), snapshot.Aborted);
        Assert.Equal(snapshot.FaultsByKind.GetValueOrDefault(FaultKind.ConnectionReset), snapshot.Aborted);
        Assert.Equal(snapshot.FaultsInjected, snapshot.RequestsReceived - snapshot.Completed);
        Assert.Equal(300, snapshot.DistinctCallIds);
        Assert.Equal(0, snapshot.RepeatedArrivals);
    }
}
