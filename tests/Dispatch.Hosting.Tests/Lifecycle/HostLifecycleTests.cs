using Akka.Actor;
using Akka.Hosting;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Latency;
using Dispatch.Hocon;
using Dispatch.Hosting.Lifecycle;
using Dispatch.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dispatch.Hosting.Tests.Lifecycle;

/// <summary>The AddDispatch one-liner on a real generic host, calling a real HTTP upstream on loopback.</summary>
public sealed class HostLifecycleTests
{
    [Fact]
    public async Task A_started_host_serves_a_call_through_the_dispatch_actor_injected_by_akka_hosting()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var host = TestNode.Build(d => d.AddHocon(TestNode.Endpoint("chat", upstream.BaseUrl)));
        await host.StartAsync();

        var dispatch = host.Services.GetRequiredService<IRequiredActor<DispatchActor>>().ActorRef;
        var result = await dispatch.Ask<APICallResult>(new APICalling("c1", "chat", TestNode.ChatPayload()), TestNode.Patience);

        Assert.Equal(CallStatus.Completed, result.Status);
        Assert.Equal(200, result.HttpStatus);
        await host.StopAsync();
    }

    [Fact]
    public async Task The_dispatch_actor_is_in_akka_hostings_actor_registry_under_its_type()
    {
        using var host = TestNode.Build(_ => { });
        await host.StartAsync();

        var registered = host.Services.GetRequiredService<ActorRegistry>().Get<DispatchActor>();

        Assert.Equal("/user/dispatch", registered.Path.ToStringWithoutAddress());
        await host.StopAsync();
    }

    [Fact]
    public async Task Stopping_the_host_drains_so_every_accepted_call_gets_its_final_result()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Latency = LatencyOptions.Fixed(TimeSpan.FromMilliseconds(200)) });
        using var host = TestNode.Build(d => d.AddHocon(TestNode.Endpoint("chat", upstream.BaseUrl, "executor.concurrency = 2") + "\ndispatch.shutdown.drain-timeout = 20s"));
        await host.StartAsync();
        var system = host.System();
        var dispatch = host.Services.GetRequiredService<ActorRegistry>().Get<DispatchActor>();

        var calls = Enumerable.Range(0, 8).Select(i => dispatch.Ask<APICallResult>(new APICalling($"c{i}", "chat", TestNode.ChatPayload()))).ToArray();
        await TestNode.Eventually(() => upstream.Counters.RequestsReceived > 0, "the first request reaches the upstream");
        await host.StopAsync();

        var results = await Task.WhenAll(calls).WaitAsync(TestNode.Patience);
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Status));
        var drained = await DispatchShutdown.Get(system)!.Drained.WaitAsync(TestNode.Patience);
        Assert.NotNull(drained);
        Assert.Equal(0, drained.Cancelled);
        Assert.True(system.WhenTerminated.IsCompleted, "the actor system stopped with the host");
    }

    [Fact]
    public async Task Calls_still_running_when_the_drain_timeout_passes_are_answered_cancelled()
    {
        await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Latency = LatencyOptions.Fixed(TimeSpan.FromSeconds(30)), ShutdownTimeout = TimeSpan.Zero });
        using var host = TestNode.Build(d => d.AddHocon(TestNode.Endpoint("chat", upstream.BaseUrl) + "\ndispatch.shutdown.drain-timeout = 100ms"));
        await host.StartAsync();
        var dispatch = host.Services.GetRequiredService<IRequiredActor<DispatchActor>>().ActorRef;

        var call = dispatch.Ask<APICallResult>(new APICalling("slow", "chat", TestNode.ChatPayload()));
        await TestNode.Eventually(() => upstream.Counters.OpenRequests > 0, "the call is in flight");
        await host.StopAsync();

        var result = await call.WaitAsync(TestNode.Patience);
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
    public async Task An_invalid_setting_stops_start_up_naming_the_key_and_where_it_was_written()
    {
        using var host = TestNode.Build(d => d.AddHocon("""dispatch.endpoints.api { base-url = "not a url" }""", "app.conf"));

        var error = await Assert.ThrowsAsync<DispatchOptionsException>(() => host.StartAsync());

        Assert.Contains("dispatch.endpoints.api.base-url", error.Message);
        Assert.Contains("app.conf:1:", error.Message);
    }

    [Fact]
    public async Task An_invalid_setting_stops_start_up_before_an_actor_system_exists()
    {
        var systemCreated = false;
        using var host = TestNode.Build(d => d
            .AddHocon("dispatch.shutdown.drain-timeout = -1s", "app.conf")
            .ConfigureAkka((_, _) => systemCreated = true));

        var error = await Assert.ThrowsAsync<DispatchOptionsException>(() => host.StartAsync());

        Assert.StartsWith("dispatch.shutdown.drain-timeout must be", Assert.Single(error.Errors));
        Assert.False(systemCreated, "no actor system is configured for settings that are invalid");
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
        var result = await forwarder.Ask<APICallResult>(new APICalling("f1", "chat", TestNode.ChatPayload()), TestNode.Patience);

        Assert.Equal(CallStatus.Completed, result.Status);
        await host.StopAsync();
    }

    [Fact]
    public async Task The_host_gives_the_drain_its_timeout_within_its_own_shutdown_budget()
    {
        using var host = TestNode.Build(d => d.AddHocon("dispatch.shutdown.drain-timeout = 90s"));

        var options = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HostOptions>>().Value;

        Assert.True(options.ShutdownTimeout >= TimeSpan.FromSeconds(90) + DispatchShutdown.StopMargin);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Coordinated_shutdown_waits_for_the_drain_timeout_in_its_drain_phase()
    {
        using var host = TestNode.Build(d => d.AddHocon("dispatch.shutdown.drain-timeout = 42s"));
        await host.StartAsync();

        var phaseTimeout = host.System().Settings.Config.GetTimeSpan($"akka.coordinated-shutdown.phases.{DispatchShutdown.Phase}.timeout");

        Assert.Equal(TimeSpan.FromSeconds(42) + DispatchShutdown.DrainMargin, phaseTimeout);
        await host.StopAsync();
    }

    [Fact]
    public async Task An_akka_setting_in_the_dispatch_hocon_file_reaches_the_actor_systems_config()
    {
        var file = Path.Combine(Path.GetTempPath(), $"dispatch-akka-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(file, """
            akka.actor.ask-timeout = 17s
            akka.custom-section { inherited = ${akka.actor.ask-timeout}, "escaped" = "a \"quoted\" },", list = [1, 2] }
            """);
        try
        {
            using var host = TestNode.Build(d => d.AddHoconFile(file));
            await host.StartAsync();

            var config = host.System().Settings.Config;

            Assert.Equal(TimeSpan.FromSeconds(17), host.System().Settings.AskTimeout);
            Assert.Equal(TimeSpan.FromSeconds(17), config.GetTimeSpan("akka.custom-section.inherited"));
            Assert.Equal("a \"quoted\" },", config.GetString("akka.custom-section.escaped"));
            Assert.Equal([1, 2], config.GetIntList("akka.custom-section.list"));
            await host.StopAsync();
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>A user actor that hands calls to Dispatch, keeping the original sender.</summary>
    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef dispatch) => Receive<APICalling>(call => dispatch.Tell(call, Sender));
    }
}
