using Dispatch.Cluster.Owner;
using Dispatch.Cluster.Protocol;
using Dispatch.Cluster.Tests.Support;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Owner;

/// <summary>
/// A new owner taking over its predecessor's window on a graceful hand-over: an owner actor with Akka's TestScheduler as
/// the clock, a test probe as a node's lease client.
/// </summary>
public class QuotaOwnerHandOverTests(ITestOutputHelper output) : OwnerActorSpec(output)
{
    [Fact]
    public void The_limits_its_predecessor_learned_are_granted_from_at_once()
    {
        var owner = Sys.ActorOf(QuotaOwnerActor.Props("api", Limits, Span, "dispatch", TimeSpan.FromSeconds(1)));
        var node = CreateTestProbe();
        var self = Akka.Cluster.Cluster.Get(Sys).SelfAddress.ToString();

        owner.Tell(new QuotaHandOver("api", 1, "akka.tcp://dispatch@127.0.0.1:1", self, TimeSpan.Zero, TimeSpan.Zero, [], RequestsInForce: 6), node);
        owner.Tell(new RequestLease("api", 1, 1, 0, 10, 0, []), node);
        var told = node.ExpectMsg<LimitsInForce>();
        var granted = node.ExpectMsg<LeaseGranted>();
        owner.Tell(new GetQuotaStatus("api"), node);
        var status = node.FishForMessage<EndpointQuotaStatus>(_ => true);

        Assert.Equal(6, told.Requests);
        Assert.Equal(6, granted.Requests);
        Assert.Equal(10, status.RequestLimit);
        Assert.Equal(6, status.RequestLimitInForce);
    }

    [Fact]
    public void Without_learned_limits_the_configured_ones_are_granted_from()
    {
        var owner = Sys.ActorOf(QuotaOwnerActor.Props("api", Limits, Span, "dispatch", TimeSpan.FromSeconds(1)));
        var node = CreateTestProbe();
        node.IgnoreMessages<LimitsInForce>();
        var self = Akka.Cluster.Cluster.Get(Sys).SelfAddress.ToString();

        owner.Tell(new QuotaHandOver("api", 1, "akka.tcp://dispatch@127.0.0.1:1", self, TimeSpan.Zero, TimeSpan.Zero, []), node);
        owner.Tell(new RequestLease("api", 1, 1, 0, 10, 0, []), node);

        Assert.Equal(10, node.ExpectMsg<LeaseGranted>().Requests);
    }
}
