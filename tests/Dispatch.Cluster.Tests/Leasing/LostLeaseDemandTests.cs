using Dispatch.Cluster.Leasing;
using Dispatch.Cluster.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Tests.Leasing;

/// <summary>
/// What a node asks for after a lease it waited for was lost to the quota's hand-over (smooth pacing, virtual time): a
/// lease that arrived after its deadline, or a request the owner dropped. Its calls were held back by the missing lease,
/// so the next request asks for more than its rate, not for twice the nothing it could spend meanwhile.
/// </summary>
public class LostLeaseDemandTests
{
    // An explicit burst: no per-second cap, so only the lease's rate and burst are at work.
    private static readonly RateLimitOptions Limits = new() { Requests = 120, Interval = TimeSpan.FromSeconds(1), Guard = TimeSpan.Zero, Burst = 3 };
    private static readonly TimeSpan Span = TimeSpan.FromMilliseconds(50);
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_lease_that_arrives_after_its_deadline_leaves_the_next_request_asking_for_four_times_its_rate()
    {
        var source = new ClusterCreditSource("api", Limits, 4, 100, TimeSpan.FromSeconds(1), Span);
        // The request waited longer than a span before the owner saw it: its lease is over when it arrives.
        var usable = source.AddLease(Lease(number: 1, requests: 6, pace: 40), Now - TimeSpan.FromMilliseconds(1), Now);

        var refused = source.TryAcquire(1, 0, Now + TimeSpan.FromMilliseconds(1));

        Assert.False(usable);
        Assert.False(refused.Granted);
        // Before, it asked for twice what it spent since its last request: nothing, so 1, and took seconds to climb back.
        Assert.Equal(160, source.WantedPace(Now + Span));
    }

    [Fact]
    public void A_request_lost_while_a_call_waits_asks_again_for_four_times_the_rate_and_one_lost_while_none_waits_for_what_was_spent()
    {
        var waiting = new ClusterCreditSource("api", Limits, 4, 100, TimeSpan.FromSeconds(1), Span);
        var served = new ClusterCreditSource("api", Limits, 4, 100, TimeSpan.FromSeconds(1), Span);
        foreach (var source in new[] { waiting, served })
        {
            source.AddLease(Lease(number: 1, requests: 2, pace: 40), Now + Span, Now);
            source.WantedPace(Now);
            Assert.True(source.TryAcquire(1, 0, Now).Granted);
        }

        // The waiting node's next call comes when its lease has run out of time (which says nothing of demand) and waits for
        // the next; the served node has no call waiting. Then the owner hands over with both nodes' requests in line.
        Assert.False(waiting.TryAcquire(1, 0, Now + Span).Granted);
        waiting.RequestLost();
        served.RequestLost();

        // One call in a span is 20 a second, twice that 40: what the served node asks; the waiting node's call was held back.
        Assert.Equal(160, waiting.WantedPace(Now + Span));
        Assert.Equal(40, served.WantedPace(Now + Span));
    }

    private static LeaseGranted Lease(long number, int requests, long pace) =>
        new("api", 1, number, number, requests, 0, TimeSpan.Zero, Span, new LeasePace(pace, 0, 1, 1));
}
