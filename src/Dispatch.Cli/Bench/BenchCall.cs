namespace Dispatch.Cli.Bench;

/// <summary>One call of a workload: the same call goes through every client.</summary>
/// <param name="CallId">The call's id.</param>
/// <param name="Payload">The chat-completion request body (JSON).</param>
/// <param name="Tokens">What the fake upstream charges for it, computed by its own arithmetic.</param>
internal sealed record BenchCall(string CallId, string Payload, int Tokens);

/// <summary>How a call ended, in terms every client can report.</summary>
internal enum OutcomeStatus
{
    /// <summary>The upstream answered 2xx.</summary>
    Completed,

    /// <summary>The upstream answered with an error, or the request failed, after the client's retries.</summary>
    Failed,

    /// <summary>The client refused the call without sending it (circuit open, queue full).</summary>
    Rejected,

    /// <summary>The benchmark cancelled the call before it had an answer.</summary>
    Cancelled,
}

/// <summary>The final outcome of one call.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="HttpStatus">The last HTTP status, 0 when none.</param>
internal readonly record struct CallOutcome(OutcomeStatus Status, int HttpStatus)
{
    /// <summary>A call cancelled by the benchmark.</summary>
    public static CallOutcome Cancelled => new(OutcomeStatus.Cancelled, 0);
}

/// <summary>A way of sending calls to the upstream: the thing being compared.</summary>
internal interface IBenchClient : IAsyncDisposable
{
    /// <summary>The client's name in the report.</summary>
    string Name { get; }

    /// <summary>Sends one call and completes with its final outcome; never throws but for cancellation.</summary>
    /// <param name="call">The call.</param>
    /// <param name="cancellationToken">Abandons the call.</param>
    Task<CallOutcome> SendAsync(BenchCall call, CancellationToken cancellationToken);
}
