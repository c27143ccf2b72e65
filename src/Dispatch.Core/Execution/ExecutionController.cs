using Dispatch.Core.Protocol;
using Dispatch.Core.Retry;

namespace Dispatch.Core.Execution;

/// <summary>
/// The executor's decisions, without the actor: given an attempt's result, finish the call or
/// retry it after a backoff. Retry policy comes from <see cref="RetryController"/>; the final
/// result is built by the call's <see cref="CallExecution"/>.
/// </summary>
/// <remarks>
/// The executor actor around it: take a call, <see cref="CallExecution.AttemptStarted"/> once
/// credits are granted, send, then follow <see cref="OnAttemptFinished"/>. Reporting the
/// outcome to the breaker and the real usage to the rate limiter stays with the actors that
/// own them.
/// </remarks>
public sealed class ExecutionController
{
    private readonly RetryController _retry;

    /// <summary>Creates a controller.</summary>
    /// <param name="retry">The endpoint's retry policy.</param>
    public ExecutionController(RetryController retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        _retry = retry;
    }

    /// <summary>Decides what follows an attempt.</summary>
    /// <param name="call">The call, with the attempt already counted.</param>
    /// <param name="attempt">What the attempt produced.</param>
    /// <param name="now">The current time.</param>
    public ExecutionStep OnAttemptFinished(CallExecution call, AttemptResult attempt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(attempt);
        var outcome = attempt.Outcome;
        if (outcome.IsSuccess) return ExecutionStep.Finish(call.Complete(attempt.HttpStatus ?? 200, attempt.Body, now, attempt.ResponseHeaders));

        if (outcome.Kind == ErrorKind.Cancelled) return ExecutionStep.Finish(call.Cancel("the call was cancelled while in flight", now));
        // The client has part of this answer: another attempt's would not continue it.
        if (attempt.Relayed)
            return ExecutionStep.Finish(call.Fail(outcome.Kind, outcome.Message + "; the answer had begun streaming to the caller, so it is not retried",
                attempt.HttpStatus, null, now, attempt.ResponseHeaders));
        if (call.IsPastDeadline(now))
            return ExecutionStep.Finish(call.TimeOut($"the deadline passed during attempt {call.Attempts} ({outcome.Message})", now));

        var decision = _retry.Decide(call.Attempts, outcome.Kind, outcome.RetryAfter, now, call.Call.Deadline);
        switch (decision.Verdict)
        {
            case RetryVerdict.Retry:
                return ExecutionStep.RetryAfter(decision.Delay);
            case RetryVerdict.RetryAfterTooLong:
                return ExecutionStep.Finish(call.Fail(outcome.Kind,
                    $"{outcome.Message}; the upstream asked to wait {Seconds(decision.Delay)} (Retry-After), longer than retry.max-retry-after ({Seconds(_retry.Options.MaxRetryAfter)})",
                    attempt.HttpStatus, attempt.Body, now));
            case RetryVerdict.DeadlineTooClose:
                return ExecutionStep.Finish(call.TimeOut(
                    $"{outcome.Message}; the next attempt could not start before the deadline", now));
            default:
                var why = decision.Verdict != RetryVerdict.AttemptsExhausted ? "" : call.Attempts == 1 ? " after its only attempt" : $" after {call.Attempts} attempts";
                return ExecutionStep.Finish(call.Fail(outcome.Kind, outcome.Message + why, attempt.HttpStatus, attempt.Body, now, attempt.ResponseHeaders));
        }
    }

    /// <summary>Whether an attempt's <c>Retry-After</c> is waited for, and so pauses the endpoint's grants.</summary>
    /// <param name="retryAfter">The upstream's <c>Retry-After</c>.</param>
    public bool Honours(TimeSpan retryAfter) => _retry.Honours(retryAfter);

    private static string Seconds(TimeSpan delay) => delay.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s";
}
