using Dispatch.Core.Protocol;

namespace Dispatch.Core.Execution;

/// <summary>
/// One call's journey from arrival to its one final <see cref="APICallResult"/>: attempts
/// made, tokens charged, and the timings the result reports. Finishing twice throws, so a
/// second answer to one call is a bug caught where it happens, not a duplicate sent.
/// </summary>
/// <remarks>Not thread-safe: owned by the actor holding the call.</remarks>
public sealed class CallExecution
{
    private APICallResult? _result;

    /// <summary>Starts tracking a call that has just arrived.</summary>
    /// <param name="call">The call.</param>
    /// <param name="arrivedAt">When Dispatch accepted it.</param>
    public CallExecution(APICalling call, DateTimeOffset arrivedAt)
    {
        ArgumentNullException.ThrowIfNull(call);
        Call = call;
        ArrivedAt = arrivedAt;
    }

    /// <summary>The call.</summary>
    public APICalling Call { get; }

    /// <summary>The call's id.</summary>
    public string CallId => Call.CallId;

    /// <summary>When Dispatch accepted the call.</summary>
    public DateTimeOffset ArrivedAt { get; }

    /// <summary>When the first attempt started; <see langword="null"/> before it.</summary>
    public DateTimeOffset? FirstAttemptAt { get; private set; }

    /// <summary>Attempts started so far.</summary>
    public int Attempts { get; private set; }

    /// <summary>The tokens charged against the budget so far (estimates, corrected by reconciliation).</summary>
    public long TokensCharged { get; private set; }

    /// <summary>The final result, once there is one.</summary>
    public APICallResult? Result => _result;

    /// <summary>Whether the call has its final result.</summary>
    public bool IsFinished => _result is not null;

    /// <summary>Whether the call's deadline has passed at <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    public bool IsPastDeadline(DateTimeOffset now) => Call.Deadline is { } due && now >= due;

    /// <summary>Records that an attempt is starting.</summary>
    /// <param name="now">The current time.</param>
    public void AttemptStarted(DateTimeOffset now)
    {
        ThrowIfFinished();
        FirstAttemptAt ??= now;
        Attempts++;
    }

    /// <summary>Adds to the tokens charged (a grant's estimate, or a reconciliation's difference, which may be negative).</summary>
    /// <param name="tokens">The change in tokens charged.</param>
    public void Charge(long tokens) => TokensCharged = Math.Max(0, TokensCharged + tokens);

    /// <summary>Finishes the call as completed.</summary>
    /// <param name="httpStatus">The upstream's status.</param>
    /// <param name="body">The upstream's body.</param>
    /// <param name="now">The current time.</param>
    /// <param name="responseHeaders">The upstream's allow-listed response headers, if any.</param>
    public APICallResult Complete(int httpStatus, string? body, DateTimeOffset now, IReadOnlyDictionary<string, string>? responseHeaders = null)
    {
        // Built in one go (not Completed(...) then a copy with the timings): this is every call's path.
        ThrowIfFinished();
        return _result = new APICallResult(CallId, CallStatus.Completed)
        {
            HttpStatus = httpStatus,
            Body = body,
            Attempts = Attempts,
            QueueTime = QueueTime(now),
            TotalTime = now - ArrivedAt,
            TokensCharged = TokensCharged,
            ResponseHeaders = responseHeaders,
        };
    }

    /// <summary>Finishes the call as failed after it was sent.</summary>
    /// <param name="kind">Why.</param>
    /// <param name="message">What happened.</param>
    /// <param name="httpStatus">The upstream's last status, if it answered.</param>
    /// <param name="body">The upstream's last body, if any (error details for the caller).</param>
    /// <param name="now">The current time.</param>
    /// <param name="responseHeaders">The upstream's last allow-listed response headers, if any.</param>
    public APICallResult Fail(ErrorKind kind, string message, int? httpStatus, string? body, DateTimeOffset now, IReadOnlyDictionary<string, string>? responseHeaders = null) =>
        Finish(APICallResult.Failed(CallId, kind, message, httpStatus) with { Body = body, ResponseHeaders = responseHeaders }, now);

    /// <summary>Finishes the call as rejected (nothing sent: queue full, circuit open, invalid request).</summary>
    /// <param name="kind">Why.</param>
    /// <param name="message">What happened.</param>
    /// <param name="now">The current time.</param>
    public APICallResult Reject(ErrorKind kind, string message, DateTimeOffset now) =>
        Finish(APICallResult.Rejected(CallId, kind, message), now);

    /// <summary>Finishes the call as cancelled.</summary>
    /// <param name="message">Who cancelled it and where it was.</param>
    /// <param name="now">The current time.</param>
    public APICallResult Cancel(string message, DateTimeOffset now) =>
        Finish(APICallResult.Cancelled(CallId, message), now);

    /// <summary>Finishes the call as timed out (its deadline passed).</summary>
    /// <param name="message">Where the call was when its deadline passed.</param>
    /// <param name="now">The current time.</param>
    public APICallResult TimeOut(string message, DateTimeOffset now) =>
        Finish(APICallResult.TimedOut(CallId, message), now);

    /// <summary>Finishes the call with an answer from the response cache.</summary>
    /// <param name="cached">The cached answer, already addressed to this call.</param>
    /// <param name="now">The current time.</param>
    public APICallResult FromCache(APICallResult cached, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(cached);
        return Finish(cached with { CallId = CallId, FromCache = true }, now);
    }

    private APICallResult Finish(APICallResult result, DateTimeOffset now)
    {
        ThrowIfFinished();
        _result = result with
        {
            Attempts = Attempts,
            QueueTime = QueueTime(now),
            TotalTime = now - ArrivedAt,
            TokensCharged = TokensCharged,
        };
        return _result;
    }

    private TimeSpan QueueTime(DateTimeOffset now) => (FirstAttemptAt ?? now) - ArrivedAt;

    private void ThrowIfFinished()
    {
        if (_result is not null)
            throw new InvalidOperationException($"call {CallId} already has its final result ({_result.Status})");
    }
}
