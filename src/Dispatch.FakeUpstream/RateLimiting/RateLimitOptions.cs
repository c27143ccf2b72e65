namespace Dispatch.FakeUpstream.RateLimiting;

/// <summary>
/// The limits every API key gets, counted over a sliding window: a request arriving at time
/// <c>t</c> is admitted only if the requests and tokens admitted in <c>(t - Window, t]</c>,
/// plus this one, stay within the limits.
/// </summary>
public sealed record RateLimitOptions
{
    /// <summary>No limits (the default); windows are still kept so peak counters work.</summary>
    public static RateLimitOptions Unlimited { get; } = new();

    /// <summary>Requests admitted per window and key; <c>null</c> (the default) means unlimited.</summary>
    public long? RequestsPerWindow { get; init; }

    /// <summary>
    /// Tokens admitted per window and key; <c>null</c> (the default) means unlimited. A request is
    /// charged exactly what its response reports as <c>usage.total_tokens</c>
    /// (see <see cref="Tokens.TokenEstimator"/>).
    /// </summary>
    public long? TokensPerWindow { get; init; }

    /// <summary>The sliding window's length. Default one minute.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Limits per minute, as providers publish them (RPM / TPM); <c>null</c> means unlimited.</summary>
    /// <param name="requestsPerMinute">Requests per minute.</param>
    /// <param name="tokensPerMinute">Tokens per minute.</param>
    public static RateLimitOptions PerMinute(long? requestsPerMinute, long? tokensPerMinute = null) =>
        new() { RequestsPerWindow = requestsPerMinute, TokensPerWindow = tokensPerMinute };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    /// <param name="path">The name these options have in their parent, used in the message.</param>
    public void Validate(string path = nameof(FakeUpstreamOptions.Limits))
    {
        if (RequestsPerWindow is <= 0)
            throw OptionError.Create($"{path}.{nameof(RequestsPerWindow)}", $"must be positive or null for unlimited (was {RequestsPerWindow})");
        if (TokensPerWindow is <= 0)
            throw OptionError.Create($"{path}.{nameof(TokensPerWindow)}", $"must be positive or null for unlimited (was {TokensPerWindow})");
        if (Window <= TimeSpan.Zero)
            throw OptionError.Create($"{path}.{nameof(Window)}", $"must be positive (was {Window})");
    }
}
