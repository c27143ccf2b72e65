using Dispatch.Core.Breaker;
using Dispatch.Core.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Core.Tests.Breaker;

public class CircuitBreakerControllerTests
{
    private readonly FakeTimeProvider _clock = new();

    private static CircuitBreakerController Breaker(int maxFailures = 3, int resetSeconds = 10, int maxResetSeconds = 35) =>
        new("openai-chat", new BreakerOptions
        {
            MaxFailures = maxFailures,
            ResetTimeout = TimeSpan.FromSeconds(resetSeconds),
            MaxResetTimeout = TimeSpan.FromSeconds(maxResetSeconds),
        });

    private void Fail(CircuitBreakerController breaker, int times)
    {
        for (var i = 0; i < times; i++) breaker.Record(ErrorKind.Server, _clock.GetUtcNow());
    }

    private CircuitBreakerController Opened()
    {
        var breaker = Breaker();
        Fail(breaker, 3);
        return breaker;
    }

    private CircuitBreakerController HalfOpenWithProbeOut()
    {
        var breaker = Opened();
        _clock.Advance(TimeSpan.FromSeconds(10));
        breaker.TryAcquire(_clock.GetUtcNow());
        return breaker;
    }

    [Fact]
    public void A_new_breaker_is_closed_and_allows_calls()
    {
        var breaker = Breaker();

        Assert.Equal(BreakerVerdict.Allow, breaker.TryAcquire(_clock.GetUtcNow()).Verdict);
    }

    [Fact]
    public void It_stays_closed_below_max_failures()
    {
        var breaker = Breaker(maxFailures: 3);

        Fail(breaker, 2);

        Assert.Equal(BreakerState.Closed, breaker.State);
    }

    [Fact]
    public void Max_failures_in_a_row_open_it_and_report_the_change()
    {
        var breaker = Breaker(maxFailures: 3);
        Fail(breaker, 2);

        var change = breaker.Record(ErrorKind.Timeout, _clock.GetUtcNow());

        Assert.Equal(new BreakerStateChanged("openai-chat", BreakerState.Closed, BreakerState.Open, _clock.GetUtcNow(), 3, _clock.GetUtcNow().AddSeconds(10)), change);
    }

    [Fact]
    public void A_success_in_between_resets_the_count()
    {
        var breaker = Breaker(maxFailures: 3);
        Fail(breaker, 2);
        breaker.Record(ErrorKind.None, _clock.GetUtcNow());

        Fail(breaker, 2);

        Assert.Equal(BreakerState.Closed, breaker.State);
    }

    [Fact]
    public void Rate_limited_answers_do_not_trip_it()
    {
        var breaker = Breaker(maxFailures: 3);

        for (var i = 0; i < 10; i++) breaker.Record(ErrorKind.RateLimited, _clock.GetUtcNow());

        Assert.Equal(BreakerState.Closed, breaker.State);
        Assert.Equal(0, breaker.ConsecutiveFailures);
    }

    [Theory]
    [InlineData(ErrorKind.Server, BreakerOutcome.Failure)]
    [InlineData(ErrorKind.Timeout, BreakerOutcome.Failure)]
    [InlineData(ErrorKind.Connection, BreakerOutcome.Failure)]
    [InlineData(ErrorKind.InvalidResponse, BreakerOutcome.Failure)]
    [InlineData(ErrorKind.None, BreakerOutcome.Success)]
    [InlineData(ErrorKind.RateLimited, BreakerOutcome.Success)]
    [InlineData(ErrorKind.BadRequest, BreakerOutcome.Success)]
    [InlineData(ErrorKind.Authentication, BreakerOutcome.Success)]
    [InlineData(ErrorKind.Cancelled, BreakerOutcome.Ignored)]
    [InlineData(ErrorKind.CircuitOpen, BreakerOutcome.Ignored)]
    [InlineData(ErrorKind.QueueFull, BreakerOutcome.Ignored)]
    public void Each_error_kind_counts_as_failure_success_or_nothing(ErrorKind error, BreakerOutcome expected)
    {
        Assert.Equal(expected, CircuitBreakerController.Classify(error));
    }

    [Fact]
    public void While_open_calls_are_rejected_until_the_reset_timeout()
    {
        var breaker = Opened();
        _clock.Advance(TimeSpan.FromSeconds(9));

        var permit = breaker.TryAcquire(_clock.GetUtcNow());

        Assert.Equal(BreakerVerdict.Reject, permit.Verdict);
        Assert.Equal(_clock.GetUtcNow().AddSeconds(1), permit.RetryAt);
    }

    [Fact]
    public void After_the_reset_timeout_the_first_call_is_the_probe_and_the_change_is_reported()
    {
        var breaker = Opened();
        _clock.Advance(TimeSpan.FromSeconds(10));

        var permit = breaker.TryAcquire(_clock.GetUtcNow());

        Assert.Equal(BreakerVerdict.Probe, permit.Verdict);
        Assert.Equal(BreakerState.HalfOpen, permit.Transition?.To);
    }

    [Fact]
    public void Half_open_lets_exactly_one_probe_through()
    {
        var breaker = HalfOpenWithProbeOut();

        var second = breaker.TryAcquire(_clock.GetUtcNow());

        Assert.Equal(BreakerVerdict.Reject, second.Verdict);
        Assert.Null(second.Transition);
    }

    [Fact]
    public void A_successful_probe_closes_it()
    {
        var breaker = HalfOpenWithProbeOut();

        var change = breaker.Record(ErrorKind.None, _clock.GetUtcNow());

        Assert.Equal(BreakerState.Closed, change?.To);
        Assert.Equal(BreakerVerdict.Allow, breaker.TryAcquire(_clock.GetUtcNow()).Verdict);
    }

    [Fact]
    public void A_failed_probe_reopens_it_with_the_reset_timeout_doubled()
    {
        var breaker = HalfOpenWithProbeOut();

        var change = breaker.Record(ErrorKind.Server, _clock.GetUtcNow());

        Assert.Equal(BreakerState.Open, change?.To);
        Assert.Equal(_clock.GetUtcNow().AddSeconds(20), breaker.OpenUntil);
    }

    [Fact]
    public void The_reset_timeout_doubles_no_further_than_its_cap()
    {
        var breaker = Opened();
        var openTimes = new List<TimeSpan>();

        for (var i = 0; i < 4; i++)
        {
            _clock.SetUtcNow(breaker.OpenUntil!.Value);
            breaker.TryAcquire(_clock.GetUtcNow());
            breaker.Record(ErrorKind.Connection, _clock.GetUtcNow());
            openTimes.Add(breaker.OpenUntil!.Value - _clock.GetUtcNow());
        }

        Assert.Equal([20, 35, 35, 35], openTimes.Select(t => t.TotalSeconds));
    }

    [Fact]
    public void Closing_after_a_backoff_starts_the_next_trip_from_the_base_reset_timeout()
    {
        var breaker = HalfOpenWithProbeOut();
        breaker.Record(ErrorKind.Server, _clock.GetUtcNow());
        _clock.SetUtcNow(breaker.OpenUntil!.Value);
        breaker.TryAcquire(_clock.GetUtcNow());
        breaker.Record(ErrorKind.None, _clock.GetUtcNow());

        Fail(breaker, 3);

        Assert.Equal(_clock.GetUtcNow().AddSeconds(10), breaker.OpenUntil);
    }

    [Fact]
    public void A_probe_that_was_cancelled_frees_the_slot_for_another_probe()
    {
        var breaker = HalfOpenWithProbeOut();

        breaker.Record(ErrorKind.Cancelled, _clock.GetUtcNow());

        Assert.Equal(BreakerVerdict.Probe, breaker.TryAcquire(_clock.GetUtcNow()).Verdict);
    }

    [Fact]
    public void Late_failures_of_calls_sent_before_it_opened_do_not_extend_the_open_time()
    {
        var breaker = Opened();
        var openUntil = breaker.OpenUntil;
        _clock.Advance(TimeSpan.FromSeconds(5));

        var change = breaker.Record(ErrorKind.Server, _clock.GetUtcNow());

        Assert.Null(change);
        Assert.Equal(openUntil, breaker.OpenUntil);
    }

    [Fact]
    public void A_timer_at_open_until_moves_it_to_half_open_without_a_call()
    {
        var breaker = Opened();
        _clock.SetUtcNow(breaker.OpenUntil!.Value);

        var change = breaker.Advance(_clock.GetUtcNow());

        Assert.Equal(BreakerState.HalfOpen, change?.To);
        Assert.Null(breaker.Advance(_clock.GetUtcNow()));
    }
}
