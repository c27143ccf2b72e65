using Akka.Actor;
using Akka.Hosting;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dispatch.Hosting.Tests.Clustering;

/// <summary><c>WithDispatchProxy</c> on Akka.Hosting's builder, without the rest of Dispatch.</summary>
public sealed class DispatchProxyHostingTests
{
    [Fact]
    public async Task WithDispatchProxy_registers_the_proxy_for_IRequiredActor()
    {
        using var host = Host(akka => akka
            .AddHocon("""
                akka.actor.provider = cluster
                akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
                """, HoconAddMode.Prepend)
            .WithDispatchProxy(new DispatchProxyOptions { MaxWaitingCalls = 1 }));
        await host.StartAsync();
        try
        {
            var proxy = await host.Services.GetRequiredService<IRequiredActor<DispatchProxy>>().GetAsync();

            // No dispatch node has joined: the proxy knows none, holds one call and refuses the next.
            var status = await proxy.Ask<DispatchProxyStatus>(GetProxyStatus.Instance, TestNode.Patience);
            proxy.Tell(new APICalling("held", "api", "{}"), ActorRefs.NoSender);
            var refused = await proxy.Ask<APICallResult>(new APICalling("refused", "api", "{}"), TestNode.Patience);

            Assert.Empty(status.Nodes);
            Assert.Equal((CallStatus.Rejected, ErrorKind.QueueFull), (refused.Status, refused.Error));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task WithDispatchProxy_on_an_actor_system_outside_a_cluster_is_refused_naming_the_provider()
    {
        using var host = Host(akka => akka.WithDispatchProxy());

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains("akka.actor.provider must be 'cluster' for a DispatchProxy", error.ToString());
    }

    private static IHost Host(Action<AkkaConfigurationBuilder> configure)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddAkka("dispatch", (akka, _) => configure(akka));
        return builder.Build();
    }
}
