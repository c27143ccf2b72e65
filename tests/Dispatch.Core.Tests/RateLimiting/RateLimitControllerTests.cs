using Dispatch.Core.RateLimiting;

namespace Dispatch.Core.Tests.RateLimiting;

public class RateLimitControllerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static RateLimitController<string> Controller(int? requests = 2, long? tokens = 100) =>
        new(new RateLimitOptions { Requests = requests, Tokens = tokens, Interval = TimeSpan.FromSeconds(10), Guard = TimeSpan.Zero });

    [Fact]
    public void A_request_within_the_limits_is_granted_at_once()
    {
        var limiter = Controller();

        var result = limiter.Request("a", "A", 10, T0);

        Assert.Equal(CreditRequestStatus.Granted, result.Status);
        Assert.Equal("A", result.Grant.State);
        Assert.Equal(10, result.Grant.Tokens);
    }

    [Fact]
    public void A_request_for_more_tokens_than_the_interval_allows_is_rejected_at_once()
    {
        var limiter = Controller(tokens: 100);

        var result = limiter.Request("big", "big", 101, T0);

        Assert.Equal(CreditRequestStatus.Rejected, result.Status);
        Assert.Contains("101", result.Error);
        Assert.Equal(0, limiter.Waiting);
    }

    [Fact]
    public void A_request_over_the_limits_waits_and_the_wake_time_is_when_credits_free_up()
    {
        var limiter = Controller(requests: 1);
        limiter.Request("a", "A", 1, T0);

        var result = limiter.Request("b", "B", 1, T0.AddSeconds(1));

        Assert.Equal(CreditRequestStatus.Queued, result.Status);
        Assert.Equal(T0.AddSeconds(10), limiter.WakeAt);
    }

    [Fact]
    public void A_waiting_request_is_granted_when_the_wake_time_comes()
    {
        var limiter = Controller(requests: 1);
        limiter.Request("a", "A", 1, T0);
        limiter.Request("b", "B", 1, T0.AddSeconds(1));

        var granted = limiter.TryGrantNext(T0.AddSeconds(10), out var grant);

        Assert.True(granted);
        Assert.Equal("B", grant.State);
        Assert.Equal(TimeSpan.FromSeconds(9), grant.Waited);
        Assert.Null(limiter.WakeAt);
    }

    [Fact]
    public void A_large_request_at_the_head_is_not_overtaken_by_small_ones()
    {
        var limiter = Controller(requests: 100, tokens: 100);
        limiter.Request("first", "first", 60, T0);
        limiter.Request("large", "large", 80, T0);

        var small = limiter.Request("small", "small", 5, T0);

        Assert.Equal(CreditRequestStatus.Queued, small.Status);
        Assert.False(limiter.TryGrantNext(T0.AddSeconds(5), out _));
        Assert.True(limiter.TryGrantNext(T0.AddSeconds(10), out var next));
        Assert.Equal("large", next.State);
    }

    [Fact]
    public void Requests_are_granted_in_the_order_their_calls_were_accepted_not_the_order_they_asked()
    {
        var limiter = Controller(requests: 1);
        limiter.Request("first", "first", 1, 1, T0);
        limiter.Request("third", "third", 1, 3, T0);
        limiter.Request("second", "second", 1, 2, T0);

        Assert.True(limiter.TryGrantNext(T0.AddSeconds(10), out var next));
        Assert.Equal("second", next.State);
        Assert.True(limiter.TryGrantNext(T0.AddSeconds(20), out var last));
        Assert.Equal("third", last.State);
    }

    [Fact]
    public void A_retrying_large_call_goes_back_ahead_of_smaller_calls_accepted_after_it()
    {
        var limiter = Controller(requests: 100, tokens: 100);
        Assert.Equal(CreditRequestStatus.Granted, limiter.Request("large", "large", 90, 1, T0).Status);
        for (var i = 2; i <= 5; i++) limiter.Request($"small{i}", $"small{i}", 5, i, T0.AddSeconds(1));

        // The large call failed and asks again, behind the small ones in time but ahead of them in order.
        var retry = limiter.Request("large", "large", 90, 1, T0.AddSeconds(2));

        Assert.Equal(CreditRequestStatus.Queued, retry.Status);
        Assert.False(limiter.TryGrantNext(T0.AddSeconds(5), out _));
        Assert.True(limiter.TryGrantNext(T0.AddSeconds(10), out var next));
        Assert.Equal("large", next.State);
    }

    [Fact]
    public void A_request_older_than_the_whole_line_is_tried_at_once()
    {
        var limiter = Controller(requests: 2, tokens: 100);
        limiter.Request("a", "a", 60, 1, T0);
        Assert.Equal(CreditRequestStatus.Queued, limiter.Request("b", "b", 60, 3, T0).Status);

        var older = limiter.Request("older", "older", 10, 2, T0);

        Assert.Equal(CreditRequestStatus.Granted, older.Status);
        Assert.Equal(1, limiter.Waiting);
    }

    [Fact]
    public void A_cancelled_request_leaves_the_line_and_is_never_granted()
    {
        var limiter = Controller(requests: 1);
        limiter.Request("a", "A", 1, T0);
        limiter.Request("b", "B", 1, T0);
        limiter.Request("c", "C", 1, T0);

        var cancelled = limiter.Cancel("b", out var state);
        limiter.TryGrantNext(T0.AddSeconds(10), out var next);

        Assert.True(cancelled);
        Assert.Equal("B", state);
        Assert.Equal("C", next.State);
    }

    [Fact]
    public void A_pause_holds_every_grant_until_it_ends()
    {
        var limiter = Controller(requests: 100);
        limiter.Pause(T0.AddSeconds(3));

        var during = limiter.Request("a", "A", 1, T0.AddSeconds(1));

        Assert.Equal(CreditRequestStatus.Queued, during.Status);
        Assert.Equal(T0.AddSeconds(3), limiter.WakeAt);
        Assert.True(limiter.TryGrantNext(T0.AddSeconds(3), out _));
    }

    [Fact]
    public void A_refund_lets_the_waiting_head_through_before_the_window_moves()
    {
        var limiter = Controller(requests: 100, tokens: 100);
        var first = limiter.Request("a", "A", 90, T0);
        limiter.Request("b", "B", 50, T0);

        limiter.Reconcile(first.Grant.GrantId, 40, T0.AddSeconds(1));

        Assert.True(limiter.TryGrantNext(T0.AddSeconds(1), out var grant));
        Assert.Equal("B", grant.State);
    }

    [Fact]
    public void Requests_whose_deadline_passed_are_removed_from_the_line()
    {
        var limiter = Controller(requests: 1);
        limiter.Request("a", "A", 1, T0);
        limiter.Request("b", "B", 1, T0, deadline: T0.AddSeconds(2));
        limiter.Request("c", "C", 1, T0);
        var expired = new List<string>();

        limiter.RemoveExpired(T0.AddSeconds(2), expired);

        Assert.Equal(["B"], expired);
        Assert.Equal(1, limiter.Waiting);
    }

    [Fact]
    public void A_second_request_under_a_waiting_id_is_reported_as_duplicate()
    {
        var limiter = Controller(requests: 1);
        limiter.Request("a", "A", 1, T0);
        limiter.Request("b", "B", 1, T0);

        var again = limiter.Request("b", "B", 1, T0);

        Assert.Equal(CreditRequestStatus.DuplicateId, again.Status);
        Assert.Equal(1, limiter.Waiting);
    }

    [Fact]
    public void Draining_hands_back_every_waiter_in_order_and_clears_the_wake_time()
    {
        var limiter = Controller(requests: 1);
        limiter.Request("a", "A", 1, T0);
        limiter.Request("b", "B", 1, T0);
        limiter.Request("c", "C", 1, T0);
        var drained = new List<string>();

        limiter.DrainTo(drained);

        Assert.Equal(["B", "C"], drained);
        Assert.Equal(0, limiter.Waiting);
        Assert.Null(limiter.WakeAt);
    }

    [Fact]
    public void The_balance_shows_the_credits_left_in_the_current_window()
    {
        var limiter = Controller(requests: 2, tokens: 100);
        limiter.Request("a", "A", 30, T0);

        var balance = limiter.Available(T0.AddSeconds(1));

        Assert.Equal(new CreditBalance(1, 70, null, RequestLimit: 2, TokenLimit: 100), balance);
    }
}
