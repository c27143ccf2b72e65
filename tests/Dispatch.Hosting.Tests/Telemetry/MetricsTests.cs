using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Hosting;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Dispatch.Hosting.Telemetry;
using Dispatch.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Hosting.Tests.Telemetry;

public sealed class MetricsTests
{
    [Fact]
    public async Task The_Dispatch_meter_counts_calls_by_status_and_reports_the_status_gauges()
    {
        // Other tests' hosts publish on meters of the same name: only this test's endpoint counts.
        const string Endpoint = "meter-chat";
        var measurements = new ConcurrentBag<(string Name, string? Endpoint, string? Status)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DispatchMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, _, tags, _) => measurements.Add((i.Name, Tag(tags, "endpoint"), Tag(tags, "status"))));
        listener.SetMeasurementEventCallback<int>((i, _, tags, _) => measurements.Add((i.Name, Tag(tags, "endpoint"), Tag(tags, "status"))));
        listener.SetMeasurementEventCallback<double>((i, _, tags, _) => measurements.Add((i.Name, Tag(tags, "endpoint"), Tag(tags, "status"))));
        listener.Start();

        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var host = TestNode.Build(d =>
        {
            d.AddHocon(TestNode.Endpoint(Endpoint, upstream.BaseUrl));
            d.StatusPollInterval = TimeSpan.FromMilliseconds(20);
        });
        await host.StartAsync();
        var dispatch = host.Services.GetRequiredService<IRequiredActor<DispatchActor>>().ActorRef;
        await dispatch.Ask<APICallResult>(new APICalling("m1", Endpoint, TestNode.ChatPayload()), TestNode.Patience);

        await TestNode.Eventually(
            () =>
            {
                listener.RecordObservableInstruments();
                var mine = measurements.Where(m => m.Endpoint == Endpoint).ToList();
                return mine.Any(m => m.Name == "dispatch.calls" && m.Status == "Completed") &&
                       mine.Any(m => m.Name == "dispatch.call.duration") &&
                       mine.Any(m => m.Name == "dispatch.queue.depth") &&
                       mine.Any(m => m.Name == "dispatch.limit.requests") &&
                       mine.Any(m => m.Name == "dispatch.limit.requests.in_force") &&
                       mine.Any(m => m.Name == "dispatch.breaker.state");
            },
            "calls, duration, status and limit gauges are measured");
        await host.StopAsync();
    }

    [Fact]
    public async Task The_limit_in_force_gauge_shows_a_lower_limit_the_provider_reported_beside_the_configured_one()
    {
        const string Endpoint = "meter-learned";
        var limits = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DispatchMetrics.MeterName && instrument.Name.StartsWith("dispatch.limit.requests", StringComparison.Ordinal)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, value, tags, _) =>
        {
            if (Tag(tags, "endpoint") == Endpoint) limits[i.Name] = value;
        });
        listener.Start();

        // The provider allows 400 a second and says so in OpenAI's headers; the endpoint is configured for 1,000.
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions
        {
            Limits = new FakeUpstream.RateLimiting.RateLimitOptions { RequestsPerWindow = 400, Window = TimeSpan.FromSeconds(1), Headers = FakeUpstream.RateLimiting.RateLimitHeaderStyle.OpenAI },
        });
        using var host = TestNode.Build(d =>
        {
            d.AddHocon(TestNode.Endpoint(Endpoint, upstream.BaseUrl));
            d.StatusPollInterval = TimeSpan.FromMilliseconds(20);
        });
        await host.StartAsync();
        var dispatch = host.Services.GetRequiredService<IRequiredActor<DispatchActor>>().ActorRef;
        await dispatch.Ask<APICallResult>(new APICalling("l1", Endpoint, TestNode.ChatPayload()), TestNode.Patience);

        await TestNode.Eventually(
            () =>
            {
                listener.RecordObservableInstruments();
                return limits.TryGetValue("dispatch.limit.requests.in_force", out var inForce) && inForce == 400;
            },
            "the limit in force is the provider's 400");
        Assert.Equal(1000, limits["dispatch.limit.requests"]);
        await host.StopAsync();
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key) return tag.Value as string;
        }

        return null;
    }
}
