using Dispatch.Actors;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Latency;
using Dispatch.Hocon;
using Dispatch.Hosting.Lifecycle;
using Dispatch.Hosting.Registry;
using Dispatch.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dispatch.Hosting.Tests.Lifecycle;

public sealed class HostLifecycleTests
{
    [Fact]
    public async Task A_started_host_serves_a_call_through_the_registered_dispatch_actor()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var host = TestNode.Build(d => d.AddHocon(TestNode.Endpoint("chat", upstream.BaseUrl)));
        await host.StartAsync();

        var dispatch = host.Services.GetRequiredService<IRequiredActor<DispatchActor>>().ActorRef;
        var result = await dispatch.Ask<APICallResult>(new APICalling("c1", "chat", TestNode.ChatPayload()), TimeSpan.FromSeconds(30));

        Assert.Equal(CallStatus.Completed, result.Status);
        Assert.Equal(200, result.HttpStatus);
        await host.StopAsync();
    }

    [Fact]
    public async Task Stopping_the_host_drains_so_every_accepted_call_gets_its_final_result()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Latency = LatencyOptions.Fixed(TimeSpan.FromMilliseconds(200)) });
        using var host = TestNode.Build(d => d.AddHocon(TestNode.Endpoint("chat", upstream.BaseUrl, "executor.concurrency = 2") + "\ndispatch.shutdown.drain-timeout = 20s"));
        await host.StartAsync();
        var dispatch = host.Services.GetRequiredService<IActorRegistry>().Get<DispatchActor>();

        var calls = Enumerable.Range(0, 8).Select(i => dispatch.Ask<APICallResult>(new APICalling($"c{i}", "chat", TestNode.ChatPayload()))).ToArray();
        await TestNode.Eventually(() => upstream.Counters.RequestsReceived > 0, TimeSpan.FromSeconds(30), "the first request reaches the upstream");
        await host.StopAsync();

        var results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Status));
        var drained = await host.Services.GetRequiredService<DispatchHostedService>().Drained;
        Assert.NotNull(drained);
        Assert.Equal(0, drained.Cancelled);
    }

    [Fact]
    public async Task Calls_still_running_when_the_drain_timeout_passes_are_answered_cancelled()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Latency = LatencyOptions.Fixed(TimeSpan.FromSeconds(30)), ShutdownTimeout = TimeSpan.Zero });
        using var host = TestNode.Build(d => d.AddHocon(TestNode.Endpoint("chat", upstream.BaseUrl) + "\ndispatch.shutdown.drain-timeout = 100ms"));
        await host.StartAsync();
        var dispatch = host.Services.GetRequiredService<IActorRegistry>().Get<DispatchActor>();

        var call = dispatch.Ask<APICallResult>(new APICalling("slow", "chat", TestNode.ChatPayload()));
        await TestNode.Eventually(() => upstream.Counters.OpenRequests > 0, TimeSpan.FromSeconds(30), "the call is in flight");
        await host.StopAsync();

        var result = await call.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(CallStatus.Cancelled, result.Status);
    }

    [Fact]
    public async Task Malformed_hocon_stops_start_up_with_the_file_and_line()
    {
        var file = Path.Combine(Path.GetTempPath(), $"dispatch-bad-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(file, "dispatch {\n  endpoints {\n    api = { base-url = \n");
        try
        {
            using var host = TestNode.Build(d => d.AddHoconFile(file));

            var error = await Assert.ThrowsAsync<HoconParseException>(() => host.StartAsync());

            Assert.EndsWith(Path.GetFileName(file), error.File);
            Assert.Contains(Path.GetFileName(file) + ":", error.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_invalid_setting_stops_start_up_with_a_message_naming_the_key()
    {
        using var host = TestNode.Build(d => d.AddHocon("""dispatch.endpoints.api { base-url = "not a url" }"""));

        var error = await Assert.ThrowsAsync<DispatchOptionsException>(() => host.StartAsync());

        Assert.Contains("dispatch.endpoints.api.base-url", error.Message);
    }

    [Fact]
    public async Task User_actors_from_WithActors_are_created_at_start_and_injected_by_key()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var host = TestNode.Build(d => d
            .AddHocon(TestNode.Endpoint("chat", upstream.BaseUrl))
            .WithActors((system, registry) => registry.Register<Forwarder>(system.ActorOf(Props.Create(() => new Forwarder(registry.Get<DispatchActor>())), "forwarder"))));
        await host.StartAsync();

        var forwarder = host.Services.GetRequiredService<IRequiredActor<Forwarder>>().ActorRef;
        var result = await forwarder.Ask<APICallResult>(new APICalling("f1", "chat", TestNode.ChatPayload()), TimeSpan.FromSeconds(30));

        Assert.Equal(CallStatus.Completed, result.Status);
        await host.StopAsync();
    }

    [Fact]
    public async Task The_host_gives_the_drain_its_timeout_within_its_own_shutdown_budget()
    {
        using var host = TestNode.Build(d => d.AddHocon("dispatch.shutdown.drain-timeout = 90s"));

        var options = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HostOptions>>().Value;

        Assert.True(options.ShutdownTimeout >= TimeSpan.FromSeconds(90) + DispatchHostedService.StopMargin);
        await Task.CompletedTask;
    }

    /// <summary>A user actor that hands calls to Dispatch, keeping the original sender.</summary>
    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef dispatch) => Receive<APICalling>(call => dispatch.Tell(call, Sender));
    }
}
