using System.Globalization;

namespace Dispatch.FakeUpstream.RateLimiting;

/// <summary>
/// The limits being applied, with their header values formatted once when they are set rather than
/// on every response; the limits reported are the advertised ones when set. Kept apart from the options record, whose <c>with</c> copies would carry stale text.
/// </summary>
internal sealed class LimitsInForce(RateLimitOptions options)
{
    public RateLimitOptions Options { get; } = options;

    public string? RequestLimitText { get; } = (options.AdvertisedRequestsPerWindow ?? options.RequestsPerWindow)?.ToString(CultureInfo.InvariantCulture);

    public string? TokenLimitText { get; } = (options.AdvertisedTokensPerWindow ?? options.TokensPerWindow)?.ToString(CultureInfo.InvariantCulture);
}
