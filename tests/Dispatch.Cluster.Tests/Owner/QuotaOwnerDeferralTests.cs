using Akka.TestKit;
using Dispatch.Cluster.Owner;
using Dispatch.Cluster.Protocol;
using Dispatch.Cluster.Tests.Support;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Owner;

/// <summary>
/// When the owner tells a node that its request waits in line, and what it tells a node that leaves: an owner actor with
/// Akka's TestScheduler as the clock, a test probe as the node's lease client.
/// </summary>
public class QuotaOwnerDeferralTests(ITestOutputHelper output) : OwnerActorSpec(output)
{
    private static readonly TimeSpan DeferAfter = TimeSpan.FromMilliseconds(200);

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    /// <summary>A node as the owner sees it; the limits in force it is told on its first request are not what these specs are about.</summary>
    private TestProbe Node()
    {
        var node = CreateTestProbe();
        node.IgnoreMessages<LimitsInForce>();
        return node;
    }

    [Fact]
    public void A_request_granted_within_half_the_request_timeout_gets_its_grant_alone()
    {
        var owner = Sys.ActorOf(QuotaOwnerActor.Props("api", Limits, Span, "dispatch", DeferAfter));
        var node = Node();
        AwaitGrantingFrom(owner, node);
        owner.Tell(Request(1, 10), node);
        node.ExpectMsg<LeaseGranted>(g => g.Requests == 10);

        // The window is full until the lease's credits leave it, one window after its span: ask 100 ms before.
        Scheduler.Advance(Span + Limits.Window - TimeSpan.FromMilliseconds(100));
        owner.Tell(Request(2, 1), node);
        Processed(owner, node);
        Scheduler.Advance(TimeSpan.FromMilliseconds(100));
        node.ExpectMsg<LeaseGranted>(g => g.RequestId == 2);
        Scheduler.Advance(DeferAfter);

        node.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_request_still_in_line_after_half_the_request_timeout_is_told_it_waits()
    {
        var owner = Sys.ActorOf(QuotaOwnerActor.Props("api", Limits, Span, "dispatch", DeferAfter));
        var node = Node();

        // A new owner grants nothing for one window and one span: longer than the deferral's 200 ms.
        owner.Tell(Request(1, 1), node);
        Processed(owner, node);
        Scheduler.Advance(DeferAfter);
        node.ExpectMsg<LeaseDeferred>(d => d.RequestId == 1);
        Scheduler.Advance(Limits.Window + Span);

        node.ExpectMsg<LeaseGranted>(g => g.RequestId == 1);
    }

    [Theory]
    [InlineData(-20)]  // the calls used less than leased: the rest is free for the others
    [InlineData(30)]   // real usage above the estimates leased: the window holds that much more
    public void A_leaving_node_is_told_the_net_change_its_returns_made_to_the_window(long usedAboveLease)
    {
        var owner = Sys.ActorOf(QuotaOwnerActor.Props("api", Limits with { Tokens = 1_000 }, Span, "dispatch", DeferAfter));
        var node = Node();
        AwaitGrantingFrom(owner, node);
        owner.Tell(new RequestLease("api", 1, 2, 50, 2, 50, []), node);
        var lease = node.ExpectMsg<LeaseGranted>();

        owner.Tell(new LeaveQuota("api", [new LeaseReturn(lease.Owner, lease.Lease, 1, lease.Tokens + usedAboveLease)]), node);

        var left = node.ExpectMsg<QuotaLeft>();
        Assert.Equal((lease.Requests - 1L, -usedAboveLease), (left.FreedRequests, left.FreedTokens));
    }

    private static RequestLease Request(long id, int requests) => new("api", id, 1, 0, requests, 0, []);

    /// <summary>Moves the clock past a new owner's wait of one window and one span.</summary>
    private void AwaitGrantingFrom(Akka.Actor.IActorRef owner, TestProbe node)
    {
        Processed(owner, node);
        Scheduler.Advance(Limits.Window + Span);
    }

    /// <summary>
    /// Waits until the owner has handled what was sent before (its status answer comes after, and first: nothing else is
    /// due), so the clock moves only once its timers are set.
    /// </summary>
    private static void Processed(Akka.Actor.IActorRef owner, TestProbe node)
    {
        owner.Tell(new GetQuotaStatus("api"), node);
        node.ExpectMsg<EndpointQuotaStatus>();
    }
}

