namespace Dispatch.FakeUpstream.RateLimiting;

/// <summary>
/// The limits every API key gets. By default they are counted over a sliding window: a request
/// arriving at time <c>t</c> is admitted only if the requests and tokens admitted in
/// <c>(t - Window, t]</c>, plus this one, stay within the limits. <see cref="Algorithm"/>,
/// <see cref="EnforcedPer"/> and the advertised limits make the server as strict, or as
/// misleading, as real providers and gateways are.
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

    /// <summary>How the limits are enforced. Default <see cref="LimitAlgorithm.SlidingWindow"/>.</summary>
    public LimitAlgorithm Algorithm { get; init; } = LimitAlgorithm.SlidingWindow;

    /// <summary>
    /// For <see cref="LimitAlgorithm.LeakyBucket"/>: the requests that may arrive at once (the
    /// bucket's size, nginx's <c>burst</c> plus one). Default 1: every request must keep the
    /// rate's spacing.
    /// </summary>
    public long Burst { get; init; } = 1;

    /// <summary>
    /// For <see cref="LimitAlgorithm.LeakyBucket"/>: the tokens that may arrive at once.
    /// Default <c>null</c>: the same share of <see cref="TokensPerWindow"/> as <see cref="Burst"/>
    /// is of <see cref="RequestsPerWindow"/> (one second's tokens when requests are unlimited).
    /// A request needing more than this never fits (400).
    /// </summary>
    public long? TokenBurst { get; init; }

    /// <summary>
    /// Quantization, as OpenAI documents it: when set, the per-window limits are also enforced per
    /// this shorter period, scaled down (60,000 requests a minute enforced per 1 s is 1,000 in every
    /// sliding second). Default <c>null</c>: only the window counts.
    /// </summary>
    public TimeSpan? EnforcedPer { get; init; }

    /// <summary>
    /// The request limit the headers report, when the real one is lower (a shared key, a changed
    /// tier). The remaining count reported is still the real budget left, as if another program
    /// had spent the difference. Default <c>null</c>: the real limit is reported.
    /// </summary>
    public long? AdvertisedRequestsPerWindow { get; init; }

    /// <summary>The token limit the headers report; see <see cref="AdvertisedRequestsPerWindow"/>.</summary>
    public long? AdvertisedTokensPerWindow { get; init; }

    /// <summary>Which rate-limit headers responses carry. Default <see cref="RateLimitHeaderStyle.OpenAI"/>.</summary>
    public RateLimitHeaderStyle Headers { get; init; } = RateLimitHeaderStyle.OpenAI;

    /// <summary>Whether a 429 carries <c>Retry-After</c> and <c>retry-after-ms</c>. Default <c>true</c>.</summary>
    public bool RetryAfter { get; init; } = true;

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
        if (!Enum.IsDefined(Algorithm))
            throw OptionError.Create($"{path}.{nameof(Algorithm)}", $"must be SlidingWindow or LeakyBucket (was {Algorithm})");
        if (Burst <= 0)
            throw OptionError.Create($"{path}.{nameof(Burst)}", $"must be positive (was {Burst})");
        if (TokenBurst is <= 0)
            throw OptionError.Create($"{path}.{nameof(TokenBurst)}", $"must be positive or null for the default (was {TokenBurst})");
        if (EnforcedPer is { } period && (period <= TimeSpan.Zero || period > Window))
            throw OptionError.Create($"{path}.{nameof(EnforcedPer)}", $"must be positive and at most the window (was {period})");
        if (AdvertisedRequestsPerWindow is <= 0)
            throw OptionError.Create($"{path}.{nameof(AdvertisedRequestsPerWindow)}", $"must be positive or null (was {AdvertisedRequestsPerWindow})");
        if (AdvertisedTokensPerWindow is <= 0)
            throw OptionError.Create($"{path}.{nameof(AdvertisedTokensPerWindow)}", $"must be positive or null (was {AdvertisedTokensPerWindow})");
        if (!Enum.IsDefined(Headers))
            throw OptionError.Create($"{path}.{nameof(Headers)}", $"must be OpenAI, Anthropic or None (was {Headers})");
    }
}

/// <summary>How a fake upstream enforces its limits.</summary>
public enum LimitAlgorithm
{
    /// <summary>Exact sliding window: at most the limit in every window, bursts allowed within it.</summary>
    SlidingWindow = 0,

    /// <summary>
    /// A leaky (token) bucket filled at the limit's rate, holding <see cref="RateLimitOptions.Burst"/>
    /// requests and <see cref="RateLimitOptions.TokenBurst"/> tokens, as gateways (nginx
    /// <c>limit_req</c>, Envoy) enforce limits: a burst that is legal per window meets 429s.
    /// </summary>
    LeakyBucket,
}

/// <summary>Which provider's rate-limit headers a fake upstream sends.</summary>
public enum RateLimitHeaderStyle
{
    /// <summary>OpenAI's <c>x-ratelimit-limit/remaining/reset-requests</c> and <c>-tokens</c>, reset as a duration (<c>8.5s</c>).</summary>
    OpenAI = 0,

    /// <summary>Anthropic's <c>anthropic-ratelimit-requests-limit/remaining/reset</c> and <c>-tokens-</c>, reset as an RFC 3339 instant.</summary>
    Anthropic,

    /// <summary>No rate-limit headers (a 429 may still carry Retry-After; see <see cref="RateLimitOptions.RetryAfter"/>).</summary>
    None,
}
