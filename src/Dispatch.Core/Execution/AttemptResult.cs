using Dispatch.Core.Errors;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Core.Execution;

/// <summary>
/// What one HTTP attempt produced, as the Endpoint reports it to the Executor: the status and
/// body when the upstream answered, and the classified outcome.
/// </summary>
/// <param name="Outcome">The classified outcome; success when <see cref="ErrorClassification.IsSuccess"/>.</param>
/// <param name="HttpStatus">The status, when the upstream answered.</param>
/// <param name="Body">The response body, when one was read.</param>
/// <param name="UsedTokens">The tokens the upstream reports the call used (<see cref="UsageParser"/>), when it does.</param>
public sealed record AttemptResult(ErrorClassification Outcome, int? HttpStatus = null, string? Body = null, long? UsedTokens = null)
{
    /// <summary>
    /// Whether the attempt's tokens count as charged: not when the upstream never answered (the
    /// request was not sent, or the connection failed) or refused the body unread (413).
    /// </summary>
    public bool ChargesTokens => HttpStatus is { } status && status != 413;

    /// <summary>The response's rate-limit headers, for the rate limiter to learn from; empty when none were read.</summary>
    public RateLimitReport RateLimits { get; init; }

    /// <summary>The response's allow-listed headers (<see cref="Endpoints.ResponseHeaderCapture"/>), when the upstream answered.</summary>
    public IReadOnlyDictionary<string, string>? ResponseHeaders { get; init; }

    /// <summary>
    /// Whether the answer had begun reaching the call's <see cref="APICalling.ResponseStream"/>: the attempt cannot be
    /// made again, so a failure after that ends the call.
    /// </summary>
    public bool Relayed { get; init; }

    /// <summary>A successful answer.</summary>
    /// <param name="httpStatus">The upstream's status.</param>
    /// <param name="body">The upstream's body.</param>
    /// <param name="usedTokens">The tokens it reports used, if any.</param>
    public static AttemptResult Success(int httpStatus, string? body, long? usedTokens = null) =>
        new(ErrorClassification.Success, httpStatus, body, usedTokens);

    /// <summary>A failed attempt.</summary>
    /// <param name="kind">The error kind.</param>
    /// <param name="message">What happened.</param>
    /// <param name="httpStatus">The upstream's status, if it answered.</param>
    /// <param name="retryAfter">The upstream's <c>Retry-After</c>, if it sent one.</param>
    /// <param name="body">The upstream's body, if one was read.</param>
    public static AttemptResult Failure(ErrorKind kind, string message, int? httpStatus = null, TimeSpan? retryAfter = null, string? body = null) =>
        new(new ErrorClassification(kind, message, retryAfter), httpStatus, body);
}
