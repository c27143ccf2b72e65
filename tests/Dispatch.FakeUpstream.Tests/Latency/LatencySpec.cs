using System.Diagnostics;
using System.Net;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.Latency;
using Dispatch.FakeUpstream.Tests.Support;

namespace Dispatch.FakeUpstream.Tests.Latency;

public sealed class LatencySpec
{
    [Fact]
    public async Task Fixed_latency_delays_every_answer_at_least_that_long()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Latency = LatencyOptions.Fixed(TimeSpan.FromMilliseconds(150)) });
        using var http = up.CreateClient();
        up.Faults.Enqueue(FaultKind.ServiceUnavailable);

        var fault = Stopwatch.StartNew();
        using var faulted = await http.SendAsync(Requests.Chat());
        fault.Stop();
        var ok = Stopwatch.StartNew();
        using var answered = await http.SendAsync(Requests.Chat());
        ok.Stop();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, faulted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.True(fault.Elapsed >= TimeSpan.FromMilliseconds(150), $"fault took {fault.Elapsed}");
        Assert.True(ok.Elapsed >= TimeSpan.FromMilliseconds(150), $"answer took {ok.Elapsed}");
    }

    [Fact]
    public async Task Latency_changed_while_running_applies_to_the_next_request()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        up.Latency = LatencyOptions.Uniform(TimeSpan.FromMilliseconds(120), TimeSpan.FromMilliseconds(130));
        var watch = Stopwatch.StartNew();
        using var response = await http.SendAsync(Requests.Echo());
        watch.Stop();

        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(120), $"answer took {watch.Elapsed}");
        Assert.Throws<ArgumentException>(() => up.Latency = LatencyOptions.Fixed(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void Uniform_latency_stays_within_its_bounds()
    {
        var latency = LatencyOptions.Uniform(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20));
        var random = new SharedRandom(1);

        var samples = Enumerable.Range(0, 1000).Select(_ => latency.Sample(random)).ToList();

        Assert.All(samples, s => Assert.InRange(s, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public void Percentile_latency_matches_its_percentiles()
    {
        var latency = LatencyOptions.FromPercentiles(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(1000));
        var random = new SharedRandom(3);

        var samples = Enumerable.Range(0, 20_000).Select(_ => latency.Sample(random)).Order().ToList();

        // Seeded, so the same every run; the ranges allow for the sampling error of 20,000 draws.

        Assert.InRange(samples[10_000].TotalMilliseconds, 90, 110);
        Assert.InRange(samples[18_000].TotalMilliseconds, 270, 330);
        Assert.InRange(samples[19_800].TotalMilliseconds, 900, 1100);
        Assert.InRange(samples[0].TotalMilliseconds, 50, 60);
        Assert.InRange(samples[^1].TotalMilliseconds, 1000, 1700);
    }

    [Fact]
    public void Same_seed_draws_the_same_latencies()
    {
        var latency = LatencyOptions.Uniform(TimeSpan.Zero, TimeSpan.FromSeconds(1));

        var first = Enumerable.Range(0, 10).Select(_ => latency.Sample(new SharedRandom(9))).ToList();
        var random = new SharedRandom(9);
        var again = new SharedRandom(9);

        Assert.Equal(Enumerable.Range(0, 10).Select(_ => latency.Sample(random)), Enumerable.Range(0, 10).Select(_ => latency.Sample(again)));
        Assert.Single(first.Distinct());
    }
}
