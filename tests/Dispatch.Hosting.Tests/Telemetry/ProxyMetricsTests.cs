using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Hosting;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Protocol;
using Dispatch.Hosting.Telemetry;
using Dispatch.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dispatch.Hosting.Tests.Telemetry;

/// <summary>The <c>Dispatch</c> meter on a node that sends its calls through a <see cref="DispatchProxy"/> (<c>WithDispatchProxy</c>).</summary>
public sealed class ProxyMetricsTests
{
    [Fact]
    public async Task A_proxy_nodes_meter_reports_its_answers_via_proxy_its_resends_cut_offs_calls_outstanding_and_ready_nodes()
    {
        using var host = Host();
        // Other tests' hosts publish on meters of the same name: only this host's meter counts.
        var factory = host.Services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentBag<Measured>();
        using var listener = Listen(factory, measurements);
        await host.StartAsync();
        try
        {
            var proxy = await host.Services.GetRequiredService<IRequiredActor<DispatchProxy>>().GetAsync();
            var system = host.Services.GetRequiredService<ActorSystem>();

            // No dispatch node has joined: the first call waits for one, the second is refused at once.
            proxy.Tell(new APICalling("held", "proxied", "{}"), ActorRefs.NoSender);
            var refused = await proxy.Ask<APICallResult>(new APICalling("refused", "proxied", "{}"), TestNode.Patience);
            // What the proxy publishes when a node running its calls is lost (its own tests show it does).
            system.EventStream.Publish(new CallResent("r1", "proxied", "akka.tcp://dispatch@127.0.0.1:1", 2));
            system.EventStream.Publish(new CallCutOff("s1", "proxied", "akka.tcp://dispatch@127.0.0.1:1"));

            Assert.Equal(ErrorKind.QueueFull, refused.Error);
            await TestNode.Eventually(
                () =>
                {
                    listener.RecordObservableInstruments();
                    return measurements.Any(m => m is { Name: "dispatch.calls", Endpoint: "proxied", Status: "Rejected", Via: "proxy", Value: 1 }) &&
                           measurements.Any(m => m is { Name: "dispatch.call.duration", Endpoint: "proxied", Status: "Rejected", Via: "proxy" }) &&
                           measurements.Any(m => m is { Name: "dispatch.proxy.resends", Endpoint: "proxied", Value: 1 }) &&
                           measurements.Any(m => m is { Name: "dispatch.proxy.cut_off", Endpoint: "proxied", Value: 1 }) &&
                           measurements.Any(m => m is { Name: "dispatch.proxy.outstanding", Value: 1 }) &&
                           measurements.Any(m => m is { Name: "dispatch.proxy.nodes", Value: 0 });
                },
                "the proxy's answer, re-send, cut-off call, outstanding call and ready nodes are measured");
            Assert.DoesNotContain(measurements, m => m.Name == "dispatch.calls" && m.Via != "proxy");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static IHost Host()
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddMetrics();
        builder.Services.AddAkka("dispatch", (akka, _) => akka
            .AddHocon("""
                akka.actor.provider = cluster
                akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
                """, HoconAddMode.Prepend)
            .WithDispatchProxy(new DispatchProxyOptions { MaxWaitingCalls = 1 }, statusPollInterval: TimeSpan.FromMilliseconds(20)));
        return builder.Build();
    }

    /// <summary>Notes every measurement of the <c>Dispatch</c> meter made by <paramref name="factory"/>'s host.</summary>
    private static MeterListener Listen(IMeterFactory factory, ConcurrentBag<Measured> measurements)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == DispatchMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory)) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((i, value, tags, _) => measurements.Add(Measured.Of(i, value, tags)));
        listener.SetMeasurementEventCallback<int>((i, value, tags, _) => measurements.Add(Measured.Of(i, value, tags)));
        listener.SetMeasurementEventCallback<double>((i, value, tags, _) => measurements.Add(Measured.Of(i, value, tags)));
        listener.Start();
        return listener;
    }

    private sealed record Measured(string Name, double Value, string? Endpoint, string? Status, string? Via)
    {
        public static Measured Of(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            new(instrument.Name, value, Tag(tags, "endpoint"), Tag(tags, "status"), Tag(tags, "via"));

        private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == key) return tag.Value as string;
            }

            return null;
        }
    }
}
