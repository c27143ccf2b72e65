using Dispatch.Cluster.Leasing;
using Dispatch.Cluster.Owner;
using Dispatch.Cluster.Protocol;
using Dispatch.Cluster.Tests.Support;
using Dispatch.Core.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Cluster.Tests.Owner;

/// <summary>The owner's sharing of the paced rate (smooth pacing), on the ledger's live leases and a virtual clock.</summary>
public class PaceAllotmentTests
{
    private static readonly RateLimitOptions Limits = new() { Requests = 120, Interval = TimeSpan.FromSeconds(1) };
    private static readonly TimeSpan Span = TimeSpan.FromMilliseconds(50);

    /// <summary>600 / 10 s, the default burst: a per-second cap of 60.</summary>
    private static readonly RateLimitOptions PerTenSeconds = new() { Requests = 600, Interval = TimeSpan.FromSeconds(10) };

    /// <summary>The period the default burst's cap counts over at the default guard (2 %): a second, stretched to 1.02 s.</summary>
    private static readonly TimeSpan CapPeriod = TimeSpan.FromMilliseconds(1020);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly PaceAllotment _allotment = new(Limits);
    private readonly QuotaLedger _ledger;

    public PaceAllotmentTests() => _ledger = new QuotaLedger(120, null, Limits.Window, Span, Now - Limits.Window - Span);

    private DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>
    /// 120 a second: each node's quota of the cap is its rate, whole; 600 / 10 s: a tenth of its rate, and the quotas of
    /// uneven shares are not whole (each node's own ceiling of them adds up to more than the cap).
    /// </summary>
    [Theory]
    [InlineData(120, 1, 120)]
    [InlineData(600, 10, 60)]
    public void The_live_rates_bursts_and_caps_never_add_up_to_more_than_the_paced_rate_the_burst_and_the_per_second_cap(int limit, int seconds, int perSecond)
    {
        var limits = new RateLimitOptions { Requests = limit, Interval = TimeSpan.FromSeconds(seconds) };
        var allotment = new PaceAllotment(limits);
        var ledger = new QuotaLedger(limit, null, limits.Window, Span, Now - limits.Window - Span);
        var random = new Random(13);
        var nodes = new[] { "a", "b", "c" };
        var granted = 0;
        var capped = 0;
        for (var step = 0; step < 2_000; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(random.Next(0, 20)));
            var node = nodes[random.Next(nodes.Length)];
            allotment.Want(node, random.Next(0, limit * 2));
            // As the owner: a rate and its cap move to another node a cap period after they stop being spent.
            var pace = allotment.Allot(node, limit, null, ledger.LivePaces(Now, CapPeriod), []);
            if (pace is not null && ledger.TryGrant(node, 1, 0, 4, 0, Span, Now, pace: pace).Granted) granted++;

            var live = ledger.LivePaces(Now, CapPeriod).Values;
            Assert.InRange(live.Sum(p => p.Requests), 0, limit);
            // The default burst: 3 requests.
            Assert.InRange(live.Sum(p => p.RequestBurst), 0, 3);
            Assert.InRange(live.Sum(p => p.RequestCap), 0, perSecond);
            // Every node that may spend has a cap of at least one credit.
            Assert.All(live, p => Assert.True(p.RequestCap >= 1, $"{p}"));
            if (live.Sum(p => p.RequestCap) == perSecond) capped++;
        }

        // A rate moves to another node only a cap period after it stops being spent, so many requests wait.
        Assert.True(granted > 250, $"only {granted} leases were granted");
        // And the cap is not left unused: at a quarter of the steps at least, the live caps add up to all of it.
        Assert.True(capped > 500, $"the live caps added up to the whole cap at only {capped} steps");
    }

    [Fact]
    public void Uneven_shares_of_the_per_second_cap_add_up_to_it_by_largest_remainder()
    {
        var live = UnevenShares();

        Assert.Equal([233, 233, 134], live.Values.Select(p => p.Requests));
        // Quotas of 23.3, 23.3 and 13.4: each node's own ceiling, 24 + 24 + 14, is 62 of 60.
        Assert.Equal([23, 23, 14], live.Values.Select(p => p.RequestCap));
        Assert.Equal(60, live.Values.Sum(p => p.RequestCap));
    }

    [Fact]
    public void Nodes_spending_unevenly_shared_rates_at_once_put_no_more_than_the_per_second_cap_into_any_cap_period()
    {
        var live = UnevenShares();
        var start = Now.UtcTicks;

        // Each node spends whenever its pacer lets it, from the same instant, for 10 s.
        var spent = new List<WindowAudit.Span>();
        foreach (var pace in live.Values)
        {
            var pacer = new LeasePacer(PerTenSeconds, Span);
            pacer.Apply(pace);
            for (var ticks = start; ticks < start + TimeSpan.TicksPerSecond * 10;)
            {
                var wait = pacer.Wait(1, 0, ticks);
                if (wait == 0)
                {
                    pacer.Take(1, 0, ticks);
                    var at = new DateTimeOffset(ticks, TimeSpan.Zero);
                    spent.Add(new WindowAudit.Span(at, at, 1, 0));
                }

                ticks += Math.Max(wait, 1);
            }
        }

        var (busiest, _) = WindowAudit.Peak(spent, CapPeriod);

        // 60 a second; each node's own ceiling let 24 + 24 + 14 = 62 through in the first cap period.
        Assert.Equal(60, busiest);
    }

    [Fact]
    public void With_more_nodes_spending_than_the_per_second_cap_has_credits_each_has_one()
    {
        // 60 a minute: 1 a second.
        var limits = new RateLimitOptions { Requests = 60, Interval = TimeSpan.FromMinutes(1) };
        var allotment = new PaceAllotment(limits);
        var live = new Dictionary<string, LeasePace>();

        foreach (var node in new[] { "a", "b", "c" }) live[node] = allotment.Allot(node, 60, null, live, ["a", "b", "c"])!;

        Assert.All(live.Values, p => Assert.Equal(1, p.RequestCap));
    }

    [Fact]
    public void An_explicit_burst_has_no_per_second_cap_and_tokens_get_their_own()
    {
        var explicitBurst = new PaceAllotment(new RateLimitOptions { Requests = 600, Tokens = 60_000, Interval = TimeSpan.FromSeconds(10), Burst = 5 });
        var defaultBurst = new PaceAllotment(new RateLimitOptions { Requests = 600, Tokens = 60_000, Interval = TimeSpan.FromSeconds(10) });

        var uncapped = explicitBurst.Allot("a", 600, 60_000, new Dictionary<string, LeasePace>(), ["b"])!;
        var capped = defaultBurst.Allot("a", 600, 60_000, new Dictionary<string, LeasePace>(), ["b"])!;

        Assert.Equal((0, 0), (uncapped.RequestCap, uncapped.TokenCap));
        // Half of 60 requests and of 6,000 tokens a second.
        Assert.Equal((30, 3_000), (capped.RequestCap, capped.TokenCap));
    }

    [Fact]
    public void A_node_gets_what_it_wants_and_the_rest_goes_to_the_node_that_wants_more()
    {
        _allotment.Want("a", 10);
        _allotment.Want("b", 1_000);

        var a = Lease("a", waiting: ["b"]);
        var b = Lease("b");

        Assert.Equal(10, a!.Requests);
        Assert.Equal(110, b!.Requests);
    }

    [Fact]
    public void Nodes_that_want_more_than_their_share_get_equal_shares()
    {
        foreach (var node in new[] { "a", "b", "c" }) _allotment.Want(node, 1_000);

        var paces = new[] { "a", "b", "c" }.Select(n => Lease(n, waiting: ["a", "b", "c"])!).ToArray();

        Assert.All(paces, p => Assert.Equal(40, p.Requests));
        Assert.All(paces, p => Assert.Equal(1, p.RequestBurst));
    }

    [Fact]
    public void A_node_waits_while_others_hold_more_than_half_its_share_then_gets_it_when_their_lease_ends()
    {
        var first = Lease("a");
        _allotment.Want("b", 1_000);

        var refused = _allotment.Allot("b", 120, null, _ledger.LivePaces(Now), []);
        var freeAt = _ledger.NextPaceEnd("b", Now);
        _time.Advance(Span);
        var later = Lease("b", waiting: ["a"]);

        Assert.Equal(120, first!.Requests);
        Assert.Null(refused);
        Assert.Equal(Now, freeAt);
        Assert.Equal(60, later!.Requests);
    }

    [Fact]
    public void A_node_holding_more_than_its_share_while_another_waits_is_cut_to_its_share()
    {
        var first = Lease("a");
        _allotment.Want("b", 1_000);
        _allotment.Want("c", 10);

        var cuts = _allotment.Cuts("b", 120, null, _ledger.LivePaces(Now), ["b", "c"]);

        Assert.Equal(120, first!.Requests);
        // c wants 10; a and b share the rest. a keeps one credit of the burst of 3, as each of the three nodes has one, and
        // its share of the per-second cap of 120 (its rate: 120 a second).
        var (node, pace) = Assert.Single(cuts);
        Assert.Equal("a", node);
        Assert.Equal(new LeasePace(55, 0, 1, 1, 55, 0), pace);
    }

    [Fact]
    public void A_node_at_or_below_its_share_is_not_cut()
    {
        _allotment.Want("a", 30);
        Lease("a");
        _allotment.Want("b", 1_000);

        var cuts = _allotment.Cuts("b", 120, null, _ledger.LivePaces(Now), ["b"]);

        Assert.Empty(cuts);
    }

    [Fact]
    public void A_node_holding_the_whole_per_second_cap_at_its_share_is_cut_to_its_part_when_a_node_wanting_little_waits_for_one()
    {
        // 700 / 10 s: 70 a second. a, alone and wanting 695, holds all 70 of the cap (69.5, rounded up).
        var limits = new RateLimitOptions { Requests = 700, Interval = TimeSpan.FromSeconds(10) };
        var allotment = new PaceAllotment(limits);
        allotment.Want("a", 695);
        var a = allotment.Allot("a", 700, null, new Dictionary<string, LeasePace>(), [])!;
        allotment.Want("b", 5);
        var live = new Dictionary<string, LeasePace> { ["a"] = a };

        var refused = allotment.Allot("b", 700, null, live, []);
        var (node, cut) = Assert.Single(allotment.Cuts("b", 700, null, live, ["b"]));
        live["a"] = cut;
        var b = allotment.Allot("b", 700, null, live, []);

        Assert.Equal((695, 70), (a.Requests, a.RequestCap));
        // b's 5 per window are free, but no cap is.
        Assert.Null(refused);
        // a keeps its rate and gives up the one credit of the cap b needs.
        Assert.Equal("a", node);
        Assert.Equal((695, 69), (cut.Requests, cut.RequestCap));
        Assert.Equal((5, 1), (b!.Requests, b.RequestCap));
    }

    [Fact]
    public void A_forgotten_node_no_longer_wants_what_it_said()
    {
        _allotment.Want("a", 10);
        var wanting = _allotment.Allot("a", 120, null, new Dictionary<string, LeasePace>(), []);
        _allotment.Forget("a");

        var forgotten = _allotment.Allot("a", 120, null, new Dictionary<string, LeasePace>(), []);

        Assert.Equal(10, wanting!.Requests);
        Assert.Equal(120, forgotten!.Requests);
    }

    [Fact]
    public void A_node_that_goes_idle_gives_its_rate_back_within_one_span()
    {
        _allotment.Want("a", 1_000);
        _allotment.Want("b", 1_000);
        Lease("a", waiting: ["b"]);
        var shared = Lease("b");

        // a asks for nothing more: its lease ends one span after its grant, and b's next lease has the whole rate.
        _time.Advance(Span);
        var alone = Lease("b");

        Assert.Equal(60, shared!.Requests);
        Assert.Equal(120, alone!.Requests);
    }

    [Fact]
    public void With_a_linger_a_rate_moves_to_another_node_only_once_the_grants_made_at_it_have_left_the_period()
    {
        var linger = TimeSpan.FromSeconds(1);
        var first = Lease("a");
        _allotment.Want("b", 1_000);
        _time.Advance(Span);

        var refused = _allotment.Allot("b", 120, null, _ledger.LivePaces(Now, linger), []);
        var freeAt = _ledger.NextPaceEnd("b", Now, linger);
        _time.Advance(linger);
        var later = _allotment.Allot("b", 120, null, _ledger.LivePaces(Now, linger), []);

        Assert.Equal(120, first!.Requests);
        Assert.Null(refused);
        Assert.Equal(Now, freeAt);
        Assert.Equal(120, later!.Requests);
    }

    [Fact]
    public void A_returned_lease_gives_its_rate_back_at_once()
    {
        _allotment.Want("a", 1_000);
        _allotment.Want("b", 1_000);
        var a = Grant("a", waiting: ["b"]);
        _ledger.Return(a.Number, 0, 0, Now);

        var b = Lease("b");

        Assert.Equal(120, b!.Requests);
    }

    [Fact]
    public void A_lowered_limit_is_shared_out_and_tokens_go_at_the_same_share()
    {
        var limits = new RateLimitOptions { Requests = 120, Tokens = 12_000, Interval = TimeSpan.FromSeconds(1) };
        var allotment = new PaceAllotment(limits);
        allotment.Want("a", 1_000);
        allotment.Want("b", 1_000);

        var pace = allotment.Allot("a", 60, 12_000, new Dictionary<string, LeasePace>(), ["b"])!;

        Assert.Equal(30, pace.Requests);
        Assert.Equal(6_000, pace.Tokens);
        // Half the default token burst: the request burst's share of the tokens, 3 × 12,000 / 120 = 300.
        Assert.Equal(150, pace.TokenBurst);
    }

    [Fact]
    public void A_lease_holds_no_more_than_its_node_can_spend_at_its_rate_within_one_span()
    {
        var request = new RequestLease("api", 1, 1, 0, 50, 0, []);

        var (requests, _) = PaceAllotment.LeaseSize(new LeasePace(120, 0, 3, 1), Span, Limits.Window, request);

        // 120 per 1.02 s over 50 ms is 5.9, so 6, and the 3 the burst lets go at once.
        Assert.Equal(9, requests);
    }

    /// <summary>The paces three nodes are allotted at <see cref="PerTenSeconds"/> when c wants 134 and a and b share the rest, 233 each.</summary>
    private static Dictionary<string, LeasePace> UnevenShares()
    {
        var allotment = new PaceAllotment(PerTenSeconds);
        allotment.Want("a", 1_000);
        allotment.Want("b", 1_000);
        allotment.Want("c", 134);
        var live = new Dictionary<string, LeasePace>();
        foreach (var node in new[] { "a", "b", "c" }) live[node] = allotment.Allot(node, 600, null, live, ["a", "b", "c"])!;
        return live;
    }

    private LeasePace? Lease(string node, string[]? waiting = null)
    {
        var pace = _allotment.Allot(node, _ledger.RequestLimitInForce, _ledger.TokenLimitInForce, _ledger.LivePaces(Now), waiting ?? []);
        if (pace is null) return null;
        var decision = _ledger.TryGrant(node, 1, 0, 4, 0, Span, Now, pace: pace);
        return decision.Granted ? pace : null;
    }

    private GrantedLease Grant(string node, string[] waiting)
    {
        var pace = _allotment.Allot(node, 120, null, _ledger.LivePaces(Now), waiting)!;
        return _ledger.TryGrant(node, 1, 0, 4, 0, Span, Now, pace: pace).Lease;
    }
}
