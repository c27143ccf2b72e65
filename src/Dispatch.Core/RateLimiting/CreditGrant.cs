namespace Dispatch.Core.RateLimiting;

/// <summary>Credits granted to one waiter.</summary>
/// <typeparam name="T">What the owner keeps with a waiter (e.g. the executor to tell).</typeparam>
/// <param name="WaiterId">The id the credits were requested under (e.g. the call id).</param>
/// <param name="State">What the owner stored with the request.</param>
/// <param name="GrantId">Identifies the grant for <see cref="RateLimitController{T}.Reconcile"/>.</param>
/// <param name="Tokens">The token credits granted (the estimate).</param>
/// <param name="GrantedAt">When the credits were granted.</param>
/// <param name="Waited">How long the request waited in line.</param>
public readonly record struct CreditGrant<T>(string WaiterId, T State, long GrantId, long Tokens, DateTimeOffset GrantedAt, TimeSpan Waited);

/// <summary>What became of a credit request.</summary>
public enum CreditRequestStatus
{
    /// <summary>Granted at once; the grant is in the result.</summary>
    Granted = 0,

    /// <summary>In line; it will come out of <see cref="RateLimitController{T}.TryGrantNext"/> in FIFO order.</summary>
    Queued,

    /// <summary>It can never be granted (more tokens than the per-interval limit); answer the call <c>InvalidRequest</c>.</summary>
    Rejected,

    /// <summary>A request with the same waiter id is already in line; nothing changed.</summary>
    DuplicateId,
}

/// <summary>The answer of <see cref="O:Dispatch.Core.RateLimiting.RateLimitController`1.Request"/>.</summary>
/// <typeparam name="T">What the owner keeps with a waiter.</typeparam>
/// <param name="Status">What became of the request.</param>
/// <param name="Grant">The grant, when <paramref name="Status"/> is <see cref="CreditRequestStatus.Granted"/>.</param>
/// <param name="Error">Why, when <paramref name="Status"/> is <see cref="CreditRequestStatus.Rejected"/>.</param>
public readonly record struct CreditRequestResult<T>(CreditRequestStatus Status, CreditGrant<T> Grant, string? Error);
