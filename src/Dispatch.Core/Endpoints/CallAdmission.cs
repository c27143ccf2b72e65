using Dispatch.Core.Caching;
using Dispatch.Core.Execution;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.Tokens;

namespace Dispatch.Core.Endpoints;

/// <summary>What the endpoint does with an arriving call.</summary>
public enum AdmissionKind
{
    /// <summary>Queue it for an executor; it needs <see cref="Admission.Tokens"/> token credits.</summary>
    Accept = 0,

    /// <summary>Answer it at once with <see cref="Admission.Answer"/> (rejected, timed out, or from the cache).</summary>
    Answer,
}

/// <summary>The answer of <see cref="CallAdmission.Admit"/>.</summary>
/// <param name="Kind">Queue it, or answer it now.</param>
/// <param name="Tokens">The tokens to reserve, when accepted.</param>
/// <param name="Answer">The final result, when answered now.</param>
public readonly record struct Admission(AdmissionKind Kind, long Tokens, APICallResult? Answer)
{
    /// <summary>Accept with a token reservation.</summary>
    /// <param name="tokens">The tokens to reserve.</param>
    public static Admission Accept(long tokens) => new(AdmissionKind.Accept, tokens, null);

    /// <summary>Answer now.</summary>
    /// <param name="answer">The final result.</param>
    public static Admission AnswerWith(APICallResult answer) => new(AdmissionKind.Answer, 0, answer);
}

/// <summary>
/// The endpoint's front door, without the actor: checks an arriving call before it is queued,
/// answers it from the response cache when it can, and works out its token reservation.
/// Everything refused here is refused before any credit is spent or anything is sent.
/// </summary>
/// <remarks>
/// In order: the call must be addressed to this endpoint and carry an id; a call whose
/// deadline has already passed is timed out; its payload must fit <c>max-request-bytes</c> and estimate (valid JSON of a known
/// shape, or <c>RequiredTokens</c>); a call needing more tokens than the per-interval limit
/// could never be sent and is rejected; finally a cacheable call may be answered from the
/// cache. Queue capacity is checked by the owner when it enqueues. Not thread-safe.
/// </remarks>
public sealed class CallAdmission
{
    private readonly EndpointOptions _options;
    private readonly ITokenEstimator _estimator;
    private readonly ResponseCache? _cache;

    /// <summary>Creates the front door of one endpoint.</summary>
    /// <param name="options">The endpoint.</param>
    /// <param name="estimator">Token estimation; <see langword="null"/> uses a <see cref="DefaultTokenEstimator"/> with the endpoint's options and path.</param>
    /// <param name="cache">The endpoint's response cache; <see langword="null"/> when caching is off.</param>
    public CallAdmission(EndpointOptions options, ITokenEstimator? estimator = null, ResponseCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _estimator = estimator ?? new DefaultTokenEstimator(options.TokenEstimation, options.Path);
        _cache = cache;
    }

    /// <summary>The answer for a call to an endpoint that is not configured.</summary>
    /// <param name="call">The call.</param>
    /// <param name="known">The configured endpoint names, listed in the message.</param>
    public static APICallResult UnknownEndpoint(APICalling call, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(known);
        var names = string.Join(", ", known.Order(StringComparer.Ordinal));
        return APICallResult.Rejected(call.CallId, ErrorKind.InvalidRequest,
            $"unknown endpoint '{call.Endpoint}' (configured: {(names.Length == 0 ? "none" : names)})");
    }

    /// <summary>Decides what to do with an arriving call. An answer here is the call's final result.</summary>
    /// <param name="call">The call, just arrived.</param>
    /// <param name="now">The current time.</param>
    public Admission Admit(CallExecution call, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(call);
        var request = call.Call;
        if (!string.Equals(request.Endpoint, _options.Name, StringComparison.Ordinal))
            return Reject(call, $"the call is for endpoint '{request.Endpoint}' but reached '{_options.Name}'", now);
        if (string.IsNullOrWhiteSpace(request.CallId))
            return Reject(call, "the call id must not be empty", now);
        if (call.IsPastDeadline(now))
            return Admission.AnswerWith(call.TimeOut("the deadline had passed when the call arrived", now));

        if (request.Payload is { } payload && IsTooLarge(payload, _options.MaxRequestBytes, out var bytes))
            return Reject(call, $"the request body is {bytes} bytes, more than {_options.ConfigPath}.max-request-bytes ({_options.MaxRequestBytes}) allows", now);

        var estimate = _estimator.Estimate(request);
        if (!estimate.IsValid) return Reject(call, estimate.Error!, now);
        if (estimate.Tokens > _options.RateLimit.Tokens)
            return Reject(call,
                $"the call needs {estimate.Tokens} tokens but {_options.ConfigPath}.rate-limit.tokens allows {_options.RateLimit.Tokens} per {_options.RateLimit.Interval}, so it could never be sent", now);

        if (_cache is not null && request.CacheControl is not null && request.ResponseStream is null &&
            _cache.TryGet(CacheKey.For(request, _options), request.CallId, now, out var cached))
            return Admission.AnswerWith(call.FromCache(cached, now));

        return Admission.Accept(estimate.Tokens);
    }

    /// <summary>Offers a call's final result to the cache (stored only when the call asked for caching and completed).</summary>
    /// <param name="call">The finished call.</param>
    /// <param name="now">The current time.</param>
    /// <returns>Whether it was stored.</returns>
    public bool Remember(CallExecution call, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(call);
        return _cache is not null && call.Result is { FromCache: false } result && call.Call.CacheControl is { } control && call.Call.ResponseStream is null &&
               _cache.TryStore(CacheKey.For(call.Call, _options), result, control, now);
    }

    /// <summary>Whether a payload's UTF-8 form passes the limit; counted only when its length leaves it in doubt (a char is 1 to 3 bytes).</summary>
    private static bool IsTooLarge(string payload, long limit, out long bytes)
    {
        bytes = payload.Length;
        if ((long)payload.Length * 3 <= limit) return false;
        bytes = System.Text.Encoding.UTF8.GetByteCount(payload);
        return bytes > limit;
    }

    private static Admission Reject(CallExecution call, string message, DateTimeOffset now) =>
        Admission.AnswerWith(call.Reject(ErrorKind.InvalidRequest, message, now));
}
