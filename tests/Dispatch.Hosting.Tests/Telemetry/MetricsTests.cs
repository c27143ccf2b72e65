using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Dispatch.Actors;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Dispatch.Hosting.Registry;
using Dispatch.Hosting.Telemetry;
using Dispatch.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Hosting.Tests.Telemetry;

public sealed class MetricsTests
{
    [Fact]
    public async Task The_Dispatch_meter_counts_calls_by_status_and_reports_the_status_gauges()
    {
        var measurements = new ConcurrentBag<(string Name, double Value, string? Status)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DispatchMetrics.MeterName) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Add((i.Name, v, Status(tags))));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => measurements.Add((i.Name, v, Status(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Add((i.Name, v, Status(tags))));
        listener.Start();

        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var host = TestNode.Build(d =>
        {
            d.AddHocon(TestNode.Endpoint("chat", upstream.BaseUrl));
            d.StatusPollInterval = TimeSpan.FromMilliseconds(20);
        });
        await host.StartAsync();
        var dispatch = host.Services.GetRequiredService<IActorRegistry>().Get<DispatchActor>();
        await dispatch.Ask<APICallResult>(new APICalling("m1", "chat", TestNode.ChatPayload()), TimeSpan.FromSeconds(30));

        await TestNode.Eventually(
            () =>
            {
                listener.RecordObservableInstruments();
                return measurements.Any(m => m.Name == "dispatch.calls" && m.Status == "Completed") &&
                       measurements.Any(m => m.Name == "dispatch.call.duration") &&
                       measurements.Any(m => m.Name == "dispatch.queue.depth") &&
                       measurements.Any(m => m.Name == "dispatch.breaker.state");
            },
            TimeSpan.FromSeconds(30),
            "calls, duration and status gauges are measured");
        await host.StopAsync();
    }

    private static string? Status(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "status") return tag.Value as string;
        }

        return null;
    }
}
