using Dispatch.Cluster.Owner;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Cluster.Tests.Owner;

/// <summary>The ledger grants from the limits in force: lower ones learned from the provider, never above the configured ones.</summary>
public class QuotaLedgerLimitTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(1020);
    private static readonly TimeSpan Span = TimeSpan.FromMilliseconds(50);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private DateTimeOffset Now => _time.GetUtcNow();

    private QuotaLedger ReadyLedger(long? requests = 100, long? tokens = null) => new(requests, tokens, Window, Span, Now - Window - Span);

    [Fact]
    public void A_lowered_limit_caps_what_a_window_grants()
    {
        var ledger = ReadyLedger(requests: 100);
        ledger.LimitTo(40, null);

        var first = ledger.TryGrant("a", 1, 0, 30, 0, Span, Now);
        var second = ledger.TryGrant("b", 1, 0, 30, 0, Span, Now);
        var third = ledger.TryGrant("c", 1, 0, 30, 0, Span, Now);

        Assert.Equal(30, first.Lease.Requests);
        Assert.Equal(10, second.Lease.Requests);
        Assert.False(third.Granted);
        Assert.Equal(first.Lease.Finish + Window, third.RetryAt);
        Assert.Equal(40, ledger.RequestLimitInForce);
    }

    [Fact]
    public void A_limit_lowered_below_what_the_window_holds_grants_nothing_until_enough_has_left_it()
    {
        var ledger = ReadyLedger(requests: 100);
        var granted = ledger.TryGrant("a", 1, 0, 60, 0, Span, Now);
        ledger.LimitTo(50, null);

        var refused = ledger.TryGrant("a", 1, 0, 10, 0, Span, Now);
        _time.Advance(Span + Window);
        var later = ledger.TryGrant("a", 1, 0, 100, 0, Span, Now);

        Assert.False(refused.Granted);
        Assert.Equal(granted.Lease.Finish + Window, refused.RetryAt);
        Assert.Equal(50, later.Lease.Requests);
    }

    [Fact]
    public void The_limits_in_force_never_rise_above_the_configured_ones_nor_fall_below_one()
    {
        var ledger = ReadyLedger(requests: 100, tokens: 1000);

        ledger.LimitTo(500, 5000);
        var (raisedRequests, raisedTokens) = (ledger.RequestLimitInForce, ledger.TokenLimitInForce);
        ledger.LimitTo(0, -3);
        var (floorRequests, floorTokens) = (ledger.RequestLimitInForce, ledger.TokenLimitInForce);
        ledger.LimitTo(null, null);

        Assert.Equal((100L, 1000L), (raisedRequests, raisedTokens));
        Assert.Equal((1L, 1L), (floorRequests, floorTokens));
        Assert.Equal((100L, 1000L), (ledger.RequestLimitInForce, ledger.TokenLimitInForce));
    }

    [Fact]
    public void A_call_larger_than_a_lowered_token_limit_still_fits_an_empty_window()
    {
        var ledger = ReadyLedger(requests: 100, tokens: 1000);
        ledger.LimitTo(null, 200);

        var big = ledger.TryGrant("a", 1, 500, 4, 500, Span, Now);
        var next = ledger.TryGrant("a", 1, 1, 4, 1, Span, Now);

        Assert.True(big.Granted);
        Assert.Equal(500, big.Lease.Tokens);
        Assert.False(next.Granted);
    }

    [Fact]
    public void An_unlimited_kind_stays_unlimited_whatever_is_learned()
    {
        var ledger = ReadyLedger(requests: 10, tokens: null);

        ledger.LimitTo(5, 100);

        Assert.Equal(5, ledger.RequestLimitInForce);
        Assert.Null(ledger.TokenLimitInForce);
    }
}
