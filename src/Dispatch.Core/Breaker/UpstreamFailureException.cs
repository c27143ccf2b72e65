using Dispatch.Core.Execution;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Breaker;

/// <summary>
/// How an executor escalates an attempt that says the upstream is unwell (5xx, timeout,
/// connection failure, unreadable response) to its supervisor, whose
/// <see cref="CircuitBreakerStrategy"/> counts it. The executor has already acted on the attempt
/// (scheduled the retry, or delivered the final result) when it throws, so the strategy only
/// records it and resumes the executor.
/// </summary>
internal sealed class UpstreamFailureException(ErrorKind kind, string? detail, WorkDone? done)
    : Exception($"upstream failure: {kind} ({detail})")
{
    /// <summary>The failed attempt's error kind.</summary>
    public ErrorKind Kind => kind;

    /// <summary>When the failed attempt was the call's last: the call's end, for the supervisor to book (the executor is idle).</summary>
    public WorkDone? Done => done;
}
