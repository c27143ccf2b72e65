using Dispatch.Core.Errors;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Retry;

/// <summary>
/// Decides, after a failed attempt, whether to retry and after how long: transient errors only
/// (<see cref="ErrorKindExtensions.IsTransient"/>), at most <c>max-attempts</c> attempts,
/// exponential backoff with full jitter, the upstream's <c>Retry-After</c> when it is longer,
/// and never a retry that would start at or after the call's deadline. A <c>Retry-After</c> longer
/// than <c>max-retry-after</c> ends the call at once.
/// </summary>
/// <remarks>
/// Stateless across calls apart from its <see cref="Random"/>: the executor keeps the attempt
/// count. A <c>Retry-After</c> longer than <c>max-delay</c> still wins, because retrying
/// earlier than the provider asked only earns another 429.
/// </remarks>
public sealed class RetryController
{
    private readonly BackoffCalculator _backoff;

    /// <summary>Creates a controller.</summary>
    /// <param name="options">The retry policy; validated here.</param>
    /// <param name="random">The source of jitter (seed it in tests).</param>
    public RetryController(RetryOptions options, Random random)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _backoff = new BackoffCalculator(options, random);
    }

    /// <summary>The retry policy.</summary>
    public RetryOptions Options { get; }

    /// <summary>Whether a <c>Retry-After</c> is waited for (and pauses the endpoint): not when it is longer than <c>max-retry-after</c>.</summary>
    /// <param name="retryAfter">The upstream's <c>Retry-After</c>.</param>
    public bool Honours(TimeSpan retryAfter) => retryAfter <= Options.MaxRetryAfter;

    /// <summary>Decides what follows a failed attempt.</summary>
    /// <param name="attemptsMade">Attempts made so far, the failed one included (1 after the first).</param>
    /// <param name="error">Why the attempt failed.</param>
    /// <param name="retryAfter">The upstream's <c>Retry-After</c>, if it sent one.</param>
    /// <param name="now">The current time.</param>
    /// <param name="deadline">The call's deadline, if it has one.</param>
    public RetryDecision Decide(int attemptsMade, ErrorKind error, TimeSpan? retryAfter, DateTimeOffset now, DateTimeOffset? deadline)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attemptsMade, 1);
        if (!error.IsTransient()) return new(RetryVerdict.Permanent, TimeSpan.Zero);
        if (retryAfter is { } tooLong && !Honours(tooLong)) return new(RetryVerdict.RetryAfterTooLong, tooLong);
        if (attemptsMade >= Options.MaxAttempts) return new(RetryVerdict.AttemptsExhausted, TimeSpan.Zero);

        var delay = _backoff.Delay(attemptsMade);
        if (retryAfter is { } asked && asked > delay) delay = asked;
        if (deadline is { } due && delay >= due - now) return new(RetryVerdict.DeadlineTooClose, delay);
        return new(RetryVerdict.Retry, delay);
    }
}
