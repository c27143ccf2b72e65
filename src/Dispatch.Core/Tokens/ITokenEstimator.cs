using Dispatch.Core.Protocol;

namespace Dispatch.Core.Tokens;

/// <summary>
/// Works out how many tokens a call will use, so the rate limiter can reserve them before it
/// is sent. Pluggable per endpoint; <see cref="DefaultTokenEstimator"/> is the default.
/// </summary>
public interface ITokenEstimator
{
    /// <summary>Estimates a call's tokens: the caller's <see cref="APICalling.RequiredTokens"/> when given.</summary>
    /// <param name="call">The call.</param>
    TokenEstimate Estimate(APICalling call);
}

/// <summary>A token estimate, or why there is none.</summary>
/// <param name="Tokens">The estimated tokens (prompt plus expected completion); 0 when invalid.</param>
/// <param name="Error">Why the payload could not be estimated (answer the call <c>InvalidRequest</c>); <see langword="null"/> when valid.</param>
public readonly record struct TokenEstimate(long Tokens, string? Error)
{
    /// <summary>Whether the estimate is usable.</summary>
    public bool IsValid => Error is null;

    /// <summary>A usable estimate.</summary>
    /// <param name="tokens">The estimated tokens.</param>
    public static TokenEstimate Of(long tokens) => new(tokens, null);

    /// <summary>An unusable payload.</summary>
    /// <param name="error">Why, naming where in the payload.</param>
    public static TokenEstimate Invalid(string error) => new(0, error);
}
