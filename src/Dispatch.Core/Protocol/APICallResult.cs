namespace Dispatch.Core.Protocol;

/// <summary>
/// The one final answer to an <see cref="APICalling"/>. Never carries credentials: bodies are
/// the upstream's, messages are Dispatch's own.
/// </summary>
/// <param name="CallId">The id of the call this answers.</param>
/// <param name="Status">How the call ended.</param>
public sealed record APICallResult(string CallId, CallStatus Status)
{
    /// <summary>The HTTP status of the last attempt, if one got an answer.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>The response body of the last attempt, if any.</summary>
    public string? Body { get; init; }

    /// <summary>Why the call did not complete; <see cref="ErrorKind.None"/> when it did.</summary>
    public ErrorKind Error { get; init; }

    /// <summary>A human-readable explanation of <see cref="Error"/>; <see langword="null"/> when completed.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>How many HTTP attempts were made (0 when nothing was sent).</summary>
    public int Attempts { get; init; }

    /// <summary>How long the call waited in the queue and for credits before its first attempt.</summary>
    public TimeSpan QueueTime { get; init; }

    /// <summary>From arrival to this answer.</summary>
    public TimeSpan TotalTime { get; init; }

    /// <summary>The tokens charged against the endpoint's budget, after reconciliation with the upstream's usage.</summary>
    public long TokensCharged { get; init; }

    /// <summary>Whether the answer came from the response cache (nothing sent, no credits spent).</summary>
    public bool FromCache { get; init; }

    /// <summary>
    /// The headers of the last attempt's response that a client of the provider reads (<c>content-type</c>,
    /// <c>x-request-id</c>, <c>openai-processing-ms</c>, <c>x-ratelimit-*</c>), names in lower case;
    /// <see langword="null"/> when no attempt got an answer. Never carries credentials.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ResponseHeaders { get; init; }

    /// <summary>Whether the call completed.</summary>
    public bool IsSuccess => Status == CallStatus.Completed;

    /// <summary>A completed call.</summary>
    /// <param name="callId">The call's id.</param>
    /// <param name="httpStatus">The upstream's HTTP status.</param>
    /// <param name="body">The upstream's response body.</param>
    public static APICallResult Completed(string callId, int httpStatus, string? body) =>
        new(callId, CallStatus.Completed) { HttpStatus = httpStatus, Body = body };

    /// <summary>A call that was sent and failed for good.</summary>
    /// <param name="callId">The call's id.</param>
    /// <param name="kind">Why it failed.</param>
    /// <param name="message">What went wrong, in words.</param>
    /// <param name="httpStatus">The upstream's HTTP status, if it answered.</param>
    public static APICallResult Failed(string callId, ErrorKind kind, string message, int? httpStatus = null) =>
        new(callId, CallStatus.Failed) { Error = kind, ErrorMessage = message, HttpStatus = httpStatus };

    /// <summary>A call refused before anything was sent.</summary>
    /// <param name="callId">The call's id.</param>
    /// <param name="kind">Why it was refused (e.g. <see cref="ErrorKind.QueueFull"/>).</param>
    /// <param name="message">What went wrong, in words.</param>
    public static APICallResult Rejected(string callId, ErrorKind kind, string message) =>
        new(callId, CallStatus.Rejected) { Error = kind, ErrorMessage = message };

    /// <summary>A call cancelled by its caller or by shutdown.</summary>
    /// <param name="callId">The call's id.</param>
    /// <param name="message">Who cancelled it and where it was.</param>
    public static APICallResult Cancelled(string callId, string message) =>
        new(callId, CallStatus.Cancelled) { Error = ErrorKind.Cancelled, ErrorMessage = message };

    /// <summary>A call whose deadline passed.</summary>
    /// <param name="callId">The call's id.</param>
    /// <param name="message">Where the call was when its deadline passed.</param>
    public static APICallResult TimedOut(string callId, string message) =>
        new(callId, CallStatus.TimedOut) { Error = ErrorKind.Timeout, ErrorMessage = message };
}
