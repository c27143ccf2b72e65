namespace Dispatch.Cluster.Owner;

/// <summary>The limits the ledger grants from: the configured ones, or lower ones learned from the provider.</summary>
internal sealed partial class QuotaLedger
{
    private long? _requestsInForce;
    private long? _tokensInForce;

    /// <summary>The request limit grants are checked against now; <see langword="null"/> when unlimited.</summary>
    public long? RequestLimitInForce => _requestsInForce;

    /// <summary>The token limit grants are checked against now; <see langword="null"/> when unlimited.</summary>
    public long? TokenLimitInForce => _tokensInForce;

    /// <summary>The number of the latest lease this ledger granted (0 before the first).</summary>
    public long LatestLease => _nextNumber - 1;

    /// <summary>
    /// Grants from lower limits than the configured ones (what the provider was learned to allow) from now on;
    /// <see langword="null"/> or a value above the configured limit means the configured limit. Leases already
    /// granted stay, as with an extra token charge: nothing more is granted until the window is under the new limit.
    /// </summary>
    /// <param name="requests">Requests per window in force.</param>
    /// <param name="tokens">Tokens per window in force.</param>
    public void LimitTo(long? requests, long? tokens)
    {
        _requestsInForce = _requestLimit is { } configuredRequests ? Math.Clamp(requests ?? configuredRequests, 1, configuredRequests) : null;
        _tokensInForce = _tokenLimit is { } configuredTokens ? Math.Clamp(tokens ?? configuredTokens, 1, configuredTokens) : null;
    }
}
