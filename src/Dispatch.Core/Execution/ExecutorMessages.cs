using Dispatch.Core.Breaker;

namespace Dispatch.Core.Execution;

/// <summary>Executor → supervisor: I am idle, give me the next call when there is one.</summary>
internal sealed class RequestWork
{
    public static readonly RequestWork Instance = new();

    private RequestWork()
    {
    }
}

/// <summary>Supervisor → idle executor: this call is yours (the breaker has already let it through).</summary>
internal sealed record WorkAvailable(PendingCall Call);

/// <summary>
/// Executor → supervisor: the call has its final result (already delivered), and the executor is
/// idle. <paramref name="Outcome"/> is what the breaker should record for the last attempt
/// (<see cref="BreakerOutcome.Ignored"/> when nothing was decided or a failure was escalated instead).
/// </summary>
internal sealed record WorkDone(PendingCall Call, BreakerOutcome Outcome);

/// <summary>Executor → supervisor: an attempt that will be retried told the breaker something other than a failure (e.g. a 429).</summary>
internal sealed record AttemptReported(BreakerOutcome Outcome, bool WasProbe);

/// <summary>Executor → supervisor: the backoff is over; may the call be sent again?</summary>
internal sealed record RetryPermitRequest(string CallId, int Ticket);

/// <summary>Supervisor → executor: the answer to <see cref="RetryPermitRequest"/>.</summary>
internal sealed record RetryPermit(int Ticket, bool Allowed, bool Probe);

/// <summary>Supervisor → executor: end the call now with <see cref="Protocol.CallStatus.Cancelled"/>.</summary>
internal sealed record CancelWork(string CallId, string Reason);

/// <summary>Endpoint → executor: one attempt's outcome.</summary>
internal sealed record AttemptFinished(int Ticket, AttemptResult Result);

/// <summary>Executor timer: the backoff before the next attempt is over.</summary>
internal sealed record RetryDue(int Ticket);

/// <summary>Executor timer: the attempt with this ticket, if still in flight, has run for the endpoint's <c>attempt-timeout</c>.</summary>
internal sealed record AttemptTimedOut(int Ticket);

/// <summary>Executor timer: the held call's deadline has passed.</summary>
internal sealed record DeadlinePassed(int CallSequence);
