using Akka.Actor;
using Dispatch.Cluster.Proxy;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Support;

/// <summary>An application node: a cluster member without the <c>dispatch</c> role, whose calls go through a <see cref="DispatchProxy"/>.</summary>
internal sealed class AppNode : IAsyncDisposable
{
    private AppNode(ActorSystem system, IActorRef proxy)
    {
        System = system;
        Proxy = proxy;
    }

    public ActorSystem System { get; }

    public IActorRef Proxy { get; }

    public int UpMembers => Akka.Cluster.Cluster.Get(System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up);

    /// <summary>Starts the node on a free port, joining the cluster whose seed is <paramref name="seed"/>.</summary>
    public static AppNode Start(string name, DispatchNode seed, ITestOutputHelper output)
    {
        var system = ActorSystem.Create("dispatch", DispatchNode.Config(0, seed.Address.Port!.Value, ""));
        DispatchNode.LogTo(system, name, output);
        return new AppNode(system, system.ActorOf(DispatchProxy.Props(), "dispatch-proxy"));
    }

    /// <summary>How many dispatch nodes the proxy sends calls to now.</summary>
    public async Task<int> ReadyNodesAsync() =>
        (await Proxy.Ask<DispatchProxyStatus>(GetProxyStatus.Instance, TimeSpan.FromSeconds(5))).Nodes.Count(n => n.Ready);

    public async ValueTask DisposeAsync()
    {
        if (!System.WhenTerminated.IsCompleted) await System.Terminate().WaitAsync(TimeSpan.FromSeconds(20));
    }
}
