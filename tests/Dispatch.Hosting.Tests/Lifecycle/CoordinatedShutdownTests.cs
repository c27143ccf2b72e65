using Akka.Actor;
using Akka.Hosting;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Lifecycle;
using Dispatch.Hosting.Tests.Support;

namespace Dispatch.Hosting.Tests.Lifecycle;

/// <summary>
/// The plugin on its own, in Akka.Hosting.TestKit's host: <c>AddAkka(...)</c> with <c>WithDispatch(options)</c>
/// and nothing of AddDispatch; the drain driven by Akka's <see cref="CoordinatedShutdown"/>.
/// </summary>
public sealed class CoordinatedShutdownTests(FakeUpstreamFixture upstream)
    : Akka.Hosting.TestKit.TestKit("dispatch"), IClassFixture<FakeUpstreamFixture>
{
    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider)
    {
        var settings = new DispatchConfigLoader { EnvironmentVariables = () => [] }
            .AddText(TestNode.Endpoint("chat", upstream.Server.BaseUrl, "executor.concurrency = 2") + "\ndispatch.shutdown.drain-timeout = 20s", "test.conf")
            .Load();
        builder.WithDispatch(new DispatchHostingOptions { Settings = settings });
    }

    [Fact]
    public async Task WithDispatch_registers_the_dispatch_actor_in_the_actor_registry_and_it_answers_the_sender()
    {
        var dispatch = await ActorRegistry.GetAsync<DispatchActor>();

        dispatch.Tell(new APICalling("r1", "chat", TestNode.ChatPayload()), TestActor);

        var result = await ExpectMsgAsync<APICallResult>(TestNode.Patience);
        Assert.Equal(("r1", CallStatus.Completed), (result.CallId, result.Status));
    }

    [Fact]
    public async Task Running_coordinated_shutdown_drains_so_every_accepted_call_completes()
    {
        var dispatch = await ActorRegistry.GetAsync<DispatchActor>();
        var calls = Enumerable.Range(0, 6).Select(i => dispatch.Ask<APICallResult>(new APICalling($"cs{i}", "chat", TestNode.ChatPayload()))).ToArray();

        await CoordinatedShutdown.Get(Sys).Run(CoordinatedShutdown.ClrExitReason.Instance).WaitAsync(TestNode.Patience);

        var results = await Task.WhenAll(calls).WaitAsync(TestNode.Patience);
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Status));
        var drained = await DispatchShutdown.Get(Sys)!.Drained.WaitAsync(TestNode.Patience);
        Assert.Equal(0, drained!.Cancelled);
        Assert.True(Sys.WhenTerminated.IsCompleted, "the actor system stopped after the drain");
    }

    [Fact]
    public async Task Once_the_drain_has_begun_new_calls_are_refused()
    {
        var dispatch = await ActorRegistry.GetAsync<DispatchActor>();
        var drain = DispatchShutdown.Get(Sys)!.Drain();

        dispatch.Tell(new APICalling("late", "chat", TestNode.ChatPayload()), TestActor);

        var result = await ExpectMsgAsync<APICallResult>(TestNode.Patience);
        Assert.Equal((CallStatus.Rejected, ErrorKind.Cancelled), (result.Status, result.Error));
        Assert.Equal(new DrainCompleted(0, 0), await drain.WaitAsync(TestNode.Patience));
    }

    [Fact]
    public async Task Terminating_the_actor_system_directly_also_runs_the_drain()
    {
        await Sys.Terminate().WaitAsync(TestNode.Patience);

        var drained = await DispatchShutdown.Get(Sys)!.Drained.WaitAsync(TestNode.Patience);

        Assert.NotNull(drained);
    }
}
