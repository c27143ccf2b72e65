using System.Globalization;

namespace Dispatch.FakeUpstream.RateLimiting;

/// <summary>
/// The limits being applied, with their header values formatted once when they are set rather than
/// on every response. Kept apart from the options record, whose <c>with</c> copies would carry stale text.
/// </summary>
internal sealed class LimitsInForce(RateLimitOptions options)
{
    public RateLimitOptions Options { get; } = options;

    public string? RequestLimitText { get; } = options.RequestsPerWindow?.ToString(CultureInfo.InvariantCulture);

    public string? TokenLimitText { get; } = options.TokensPerWindow?.ToString(CultureInfo.InvariantCulture);
}
