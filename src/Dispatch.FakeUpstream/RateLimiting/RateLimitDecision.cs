namespace Dispatch.FakeUpstream.RateLimiting;

/// <summary>What a key's window said about one request, and what the response headers report.</summary>
/// <param name="Admitted">Whether the request fits and was charged.</param>
/// <param name="NeverFits">The request alone needs more tokens than a whole window allows.</param>
/// <param name="RemainingRequests">Requests left in the window after this decision; <c>null</c> when unlimited.</param>
/// <param name="RemainingTokens">Tokens left in the window after this decision; <c>null</c> when unlimited.</param>
/// <param name="ResetRequests">Time until the window holds no admitted request (the full request budget is back).</param>
/// <param name="ResetTokens">Time until the window holds no admitted token (the full token budget is back).</param>
/// <param name="RetryAfter">For a refused request: the time until enough budget frees up for it.</param>
internal readonly record struct RateLimitDecision(
    bool Admitted,
    bool NeverFits,
    long? RemainingRequests,
    long? RemainingTokens,
    TimeSpan ResetRequests,
    TimeSpan ResetTokens,
    TimeSpan RetryAfter);
