namespace Dispatch.Core.RateLimiting;

/// <summary>
/// Where request and token credits come from. The standalone source is
/// <see cref="SlidingWindowLedger"/>; cluster mode puts a source here that spends credits leased
/// from the endpoint's owner in the cluster. The <see cref="RateLimitController{T}"/> above it keeps FIFO order and
/// rejections; a source only answers "yes, now" or "not before this instant".
/// </summary>
/// <remarks>
/// Synchronous on purpose: a grant decision must be answerable inside one actor message. A
/// remote source answers from credits it has already leased and refills its lease in the
/// background, reporting <see cref="CreditAttempt.RetryAt"/> until the lease arrives, and raises
/// <see cref="CreditsArrived"/> when it does, so the rate limiter tries again at once instead of polling.
/// </remarks>
public interface ICreditSource
{
    /// <summary>Requests allowed per interval; <see langword="null"/> when unlimited.</summary>
    long? RequestLimit { get; }

    /// <summary>Tokens allowed per interval; <see langword="null"/> when unlimited.</summary>
    long? TokenLimit { get; }

    /// <summary>
    /// Whether others draw from the same budget (cluster mode). A shared source can be paused by
    /// another node's 429 at any moment, so executors always ask it, even when it has no limits.
    /// </summary>
    bool IsShared => false;

    /// <summary>Takes credits if the limits allow it at <paramref name="now"/>.</summary>
    /// <param name="requests">Request credits wanted; at least 1.</param>
    /// <param name="tokens">Token credits wanted; at least 0 and at most <see cref="TokenLimit"/>.</param>
    /// <param name="now">The current time.</param>
    CreditAttempt TryAcquire(int requests, long tokens, DateTimeOffset now);

    /// <summary>
    /// Replaces a grant's token charge with the tokens actually used: a refund frees budget,
    /// an extra charge holds later grants back. Returns <see langword="false"/> when the grant
    /// is unknown or has already left the window (nothing left to correct).
    /// </summary>
    /// <param name="grantId">The <see cref="CreditAttempt.GrantId"/> of the grant.</param>
    /// <param name="actualTokens">The tokens the call really used (e.g. <c>usage.total_tokens</c>).</param>
    /// <param name="now">The current time.</param>
    bool Reconcile(long grantId, long actualTokens, DateTimeOffset now);

    /// <summary>Grants nothing before <paramref name="until"/> (a 429's <c>Retry-After</c>). A pause never shortens an earlier, longer one.</summary>
    /// <param name="until">When grants may resume.</param>
    void PauseUntil(DateTimeOffset until);

    /// <summary>The credits that could be granted at <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    CreditBalance Available(DateTimeOffset now);

    /// <summary>
    /// Lowers the limits in force to <paramref name="requests"/> and <paramref name="tokens"/> (what
    /// the provider was learned to allow); <see langword="null"/> or a value above the configured limit
    /// means the configured limit. A source that cannot lower its limits ignores it (the default).
    /// </summary>
    /// <param name="requests">Requests allowed per interval from now on.</param>
    /// <param name="tokens">Tokens allowed per interval from now on.</param>
    void LimitTo(long? requests, long? tokens)
    {
    }

    /// <summary>
    /// What the provider answered a grant's call: its rate-limit headers and whether it was a 429.
    /// Returns whether the limits in force rose, so requests in line may be grantable now. A source
    /// that learns nothing from it ignores it (the default, returning <see langword="false"/>).
    /// </summary>
    /// <param name="grantId">The <see cref="CreditAttempt.GrantId"/> of the call's grant.</param>
    /// <param name="report">The response's rate-limit headers.</param>
    /// <param name="throttled">Whether the answer was a 429.</param>
    /// <param name="now">The current time.</param>
    bool Observe(long grantId, RateLimitReport report, bool throttled, DateTimeOffset now) => false;

    /// <summary>
    /// Raised when credits may be grantable sooner than the <see cref="CreditAttempt.RetryAt"/> last
    /// reported, because something other than the passing of time freed them (a remote source's lease
    /// arrived). The rate limiter then tries its line again. May be raised on any thread. A source whose
    /// credits only come back with time never raises it (the default: subscribing does nothing).
    /// </summary>
    event Action CreditsArrived
    {
        add { }
        remove { }
    }
}

/// <summary>The answer of <see cref="ICreditSource.TryAcquire"/>.</summary>
/// <param name="Granted">Whether the credits were taken.</param>
/// <param name="GrantId">Identifies the grant for <see cref="ICreditSource.Reconcile"/>; 0 when the source keeps no record.</param>
/// <param name="RetryAt">When not granted: the earliest instant the same request could succeed (<see cref="DateTimeOffset.MaxValue"/> for never).</param>
public readonly record struct CreditAttempt(bool Granted, long GrantId, DateTimeOffset RetryAt)
{
    /// <summary>A grant.</summary>
    /// <param name="grantId">The grant's id.</param>
    public static CreditAttempt Grant(long grantId) => new(true, grantId, default);

    /// <summary>A refusal until <paramref name="retryAt"/>.</summary>
    /// <param name="retryAt">The earliest instant the request could succeed.</param>
    public static CreditAttempt NotBefore(DateTimeOffset retryAt) => new(false, 0, retryAt);
}

/// <summary>Credits that could be granted now; <see langword="null"/> for an unlimited kind.</summary>
/// <param name="Requests">Request credits left.</param>
/// <param name="Tokens">Token credits left.</param>
/// <param name="PausedUntil">When a <c>Retry-After</c> pause ends, if one is in force.</param>
/// <param name="RequestLimit">The request limit in force (learned from the provider); <see langword="null"/> when unlimited or not known to the source.</param>
/// <param name="TokenLimit">The token limit in force; <see langword="null"/> when unlimited or not known to the source.</param>
public readonly record struct CreditBalance(long? Requests, long? Tokens, DateTimeOffset? PausedUntil, long? RequestLimit = null, long? TokenLimit = null);
