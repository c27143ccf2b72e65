using Dispatch.Core.RateLimiting;

namespace Dispatch.Core.Tests.RateLimiting;

public class GrantPathAllocationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Granting_credits_in_steady_state_allocates_nothing()
    {
        var ledger = new SlidingWindowLedger(new RateLimitOptions { Requests = 1_000, Tokens = 1_000_000, Interval = TimeSpan.FromSeconds(1) });
        var now = T0;
        for (var i = 0; i < 10_000; i++) ledger.TryAcquire(1, 10, now = now.AddMilliseconds(1));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100_000; i++)
        {
            now = now.AddMilliseconds(1);
            var grant = ledger.TryAcquire(1, 10, now);
            ledger.Reconcile(grant.GrantId, 8, now);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Queueing_and_granting_through_the_controller_in_steady_state_allocates_nothing()
    {
        var limiter = new RateLimitController<int>(new RateLimitOptions { Requests = 64, Tokens = null, Interval = TimeSpan.FromSeconds(1) });
        var ids = Enumerable.Range(0, 64).Select(i => i.ToString()).ToArray();
        var now = T0;
        var maxWaiting = 0;

        // Each round's requests arrive while the previous round still holds the whole budget,
        // so every one waits in line and is granted half an interval later.
        for (var i = 0; i < ids.Length; i++) limiter.Request(ids[i], i, 1, now.AddMilliseconds(-500));
        void Cycle()
        {
            for (var i = 0; i < ids.Length; i++) limiter.Request(ids[i], i, 1, now);
            maxWaiting = Math.Max(maxWaiting, limiter.Waiting);
            now = now.AddMilliseconds(500);
            while (limiter.TryGrantNext(now, out _)) { }
            now = now.AddMilliseconds(500);
        }

        for (var i = 0; i < 200; i++) Cycle();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++) Cycle();

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(64, maxWaiting);
    }
}
