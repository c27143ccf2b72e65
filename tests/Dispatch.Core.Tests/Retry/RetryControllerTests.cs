using Dispatch.Core.Protocol;
using Dispatch.Core.Retry;

namespace Dispatch.Core.Tests.Retry;

public class RetryControllerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static RetryOptions Options(int maxAttempts = 5) => new()
    {
        MaxAttempts = maxAttempts,
        BaseDelay = TimeSpan.FromMilliseconds(100),
        MaxDelay = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public void Backoff_ceilings_double_from_the_base_delay_up_to_the_cap()
    {
        var backoff = new BackoffCalculator(Options(), new Random(1));

        var ceilings = Enumerable.Range(1, 6).Select(backoff.Ceiling).Select(d => d.TotalMilliseconds);

        Assert.Equal([100, 200, 400, 800, 1000, 1000], ceilings);
    }

    [Theory]
    [InlineData(60, RetryVerdict.Retry)]
    [InlineData(61, RetryVerdict.RetryAfterTooLong)]
    public void A_retry_after_up_to_max_retry_after_is_waited_for_and_a_longer_one_ends_the_call(int seconds, RetryVerdict expected)
    {
        var controller = new RetryController(Options() with { MaxRetryAfter = TimeSpan.FromSeconds(60) }, new Random(1));

        var decision = controller.Decide(1, ErrorKind.RateLimited, TimeSpan.FromSeconds(seconds), Now, deadline: null);

        Assert.Equal((expected, TimeSpan.FromSeconds(seconds)), (decision.Verdict, decision.Delay));
    }

    [Fact]
    public void A_huge_retry_number_is_capped_not_overflowed()
    {
        var backoff = new BackoffCalculator(Options(), new Random(1));

        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Ceiling(10_000));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public void Full_jitter_delays_stay_within_zero_and_the_ceiling_and_spread_across_it(int retry)
    {
        var backoff = new BackoffCalculator(Options(), new Random(42));
        var ceiling = backoff.Ceiling(retry);

        var delays = Enumerable.Range(0, 2_000).Select(_ => backoff.Delay(retry)).ToList();

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, ceiling));
        Assert.True(delays.Min() < ceiling * 0.05, "jitter never reached the bottom of its range");
        Assert.True(delays.Max() > ceiling * 0.95, "jitter never reached the top of its range");
    }

    [Fact]
    public void The_same_seed_gives_the_same_delays()
    {
        var first = new BackoffCalculator(Options(), new Random(7));
        var second = new BackoffCalculator(Options(), new Random(7));

        Assert.Equal(Enumerable.Range(1, 5).Select(first.Delay), Enumerable.Range(1, 5).Select(second.Delay));
    }

    [Fact]
    public void Without_jitter_the_delay_is_the_ceiling()
    {
        var backoff = new BackoffCalculator(Options() with { Jitter = RetryJitter.None }, new Random(1));

        Assert.Equal(TimeSpan.FromMilliseconds(400), backoff.Delay(3));
    }

    [Theory]
    [InlineData(ErrorKind.RateLimited)]
    [InlineData(ErrorKind.Server)]
    [InlineData(ErrorKind.Timeout)]
    [InlineData(ErrorKind.Connection)]
    public void Transient_errors_are_retried(ErrorKind error)
    {
        var retry = new RetryController(Options(), new Random(1));

        Assert.True(retry.Decide(1, error, null, Now, null).ShouldRetry);
    }

    [Theory]
    [InlineData(ErrorKind.BadRequest)]
    [InlineData(ErrorKind.Authentication)]
    [InlineData(ErrorKind.NotFound)]
    [InlineData(ErrorKind.InvalidResponse)]
    public void Permanent_errors_are_not_retried(ErrorKind error)
    {
        var retry = new RetryController(Options(), new Random(1));

        Assert.Equal(RetryVerdict.Permanent, retry.Decide(1, error, null, Now, null).Verdict);
    }

    [Fact]
    public void The_last_allowed_attempt_is_not_retried()
    {
        var retry = new RetryController(Options(maxAttempts: 3), new Random(1));

        Assert.True(retry.Decide(2, ErrorKind.Server, null, Now, null).ShouldRetry);
        Assert.Equal(RetryVerdict.AttemptsExhausted, retry.Decide(3, ErrorKind.Server, null, Now, null).Verdict);
    }

    [Fact]
    public void A_retry_after_longer_than_the_backoff_wins_even_past_the_cap()
    {
        var retry = new RetryController(Options(), new Random(1));

        var decision = retry.Decide(1, ErrorKind.RateLimited, TimeSpan.FromSeconds(30), Now, null);

        Assert.Equal(TimeSpan.FromSeconds(30), decision.Delay);
    }

    [Fact]
    public void A_retry_after_shorter_than_the_backoff_does_not_shorten_it()
    {
        var retry = new RetryController(Options() with { Jitter = RetryJitter.None }, new Random(1));

        var decision = retry.Decide(4, ErrorKind.RateLimited, TimeSpan.FromMilliseconds(1), Now, null);

        Assert.Equal(TimeSpan.FromMilliseconds(800), decision.Delay);
    }

    [Fact]
    public void No_retry_is_planned_that_would_start_at_or_after_the_deadline()
    {
        var retry = new RetryController(Options(), new Random(1));

        var decision = retry.Decide(1, ErrorKind.RateLimited, TimeSpan.FromSeconds(5), Now, Now.AddSeconds(5));

        Assert.Equal(RetryVerdict.DeadlineTooClose, decision.Verdict);
    }

    [Fact]
    public void A_retry_that_starts_before_the_deadline_goes_ahead()
    {
        var retry = new RetryController(Options(), new Random(1));

        var decision = retry.Decide(1, ErrorKind.RateLimited, TimeSpan.FromSeconds(5), Now, Now.AddSeconds(6));

        Assert.True(decision.ShouldRetry);
    }
}
