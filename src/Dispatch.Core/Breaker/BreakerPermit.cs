using Dispatch.Core.Protocol;

namespace Dispatch.Core.Breaker;

/// <summary>Whether a call may be sent now.</summary>
public enum BreakerVerdict
{
    /// <summary>Closed: send it.</summary>
    Allow = 0,

    /// <summary>Half-open: send it as the one probe; its outcome decides the breaker's state.</summary>
    Probe,

    /// <summary>Open, or half-open with the probe already out: do not send it (reject or hold, by <see cref="WhenOpen"/>).</summary>
    Reject,
}

/// <summary>The answer of <see cref="CircuitBreakerController.TryAcquire"/>.</summary>
/// <param name="Verdict">Whether the call may be sent.</param>
/// <param name="RetryAt">When rejected: when the breaker will next let a call through (<see langword="null"/> while a probe is out: it depends on the probe).</param>
/// <param name="Transition">The state change this check caused (open → half-open), to publish; usually <see langword="null"/>.</param>
public readonly record struct BreakerPermit(BreakerVerdict Verdict, DateTimeOffset? RetryAt, BreakerStateChanged? Transition)
{
    /// <summary>Whether the call may be sent (as a normal call or as the probe).</summary>
    public bool IsAllowed => Verdict != BreakerVerdict.Reject;
}

/// <summary>How the breaker treats an attempt's outcome.</summary>
public enum BreakerOutcome
{
    /// <summary>The upstream answered sensibly (any 2xx, and 4xx including 429): it is up.</summary>
    Success = 0,

    /// <summary>The upstream looks down (5xx, timeout, connection failure, unreadable response).</summary>
    Failure,

    /// <summary>The upstream gave no verdict (the call was cancelled, or never sent): the breaker's counts do not change.</summary>
    Ignored,
}
