namespace Dispatch.Core.Retry;

/// <summary>Why a failed attempt is, or is not, retried.</summary>
public enum RetryVerdict
{
    /// <summary>Retry after <see cref="RetryDecision.Delay"/>.</summary>
    Retry = 0,

    /// <summary>The error is permanent: the same request would fail the same way.</summary>
    Permanent,

    /// <summary>The attempt was the last one allowed by <c>max-attempts</c>.</summary>
    AttemptsExhausted,

    /// <summary>The retry could not start before the call's deadline.</summary>
    DeadlineTooClose,

    /// <summary>The upstream asked to wait longer than <c>max-retry-after</c>; <see cref="RetryDecision.Delay"/> is what it asked.</summary>
    RetryAfterTooLong,
}

/// <summary>The answer of <see cref="RetryController.Decide"/>.</summary>
/// <param name="Verdict">Whether and why (not) to retry.</param>
/// <param name="Delay">How long to wait before the next attempt, when retrying.</param>
public readonly record struct RetryDecision(RetryVerdict Verdict, TimeSpan Delay)
{
    /// <summary>Whether to retry.</summary>
    public bool ShouldRetry => Verdict == RetryVerdict.Retry;
}
