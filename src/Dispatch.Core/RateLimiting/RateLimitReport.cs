using System.Globalization;
using System.Net.Http.Headers;

namespace Dispatch.Core.RateLimiting;

/// <summary>What one response's rate-limit headers said; every figure is <see langword="null"/> when absent or unreadable.</summary>
/// <param name="RequestLimit">The provider's request limit per interval.</param>
/// <param name="RemainingRequests">Requests the provider still allows now.</param>
/// <param name="ResetRequests">Time until the provider's request budget is whole again.</param>
/// <param name="TokenLimit">The provider's token limit per interval.</param>
/// <param name="RemainingTokens">Tokens the provider still allows now.</param>
/// <param name="ResetTokens">Time until the provider's token budget is whole again.</param>
public readonly record struct RateLimitReport(
    long? RequestLimit, long? RemainingRequests, TimeSpan? ResetRequests,
    long? TokenLimit, long? RemainingTokens, TimeSpan? ResetTokens)
{
    /// <summary>Whether the response reported anything.</summary>
    public bool IsEmpty => RequestLimit is null && RemainingRequests is null && TokenLimit is null && RemainingTokens is null;

    /// <summary>
    /// This report without the kinds whose reset is longer than <paramref name="window"/>: the provider counts those over
    /// a longer window than the configured one (a per-minute limit reported while its per-second quantization is
    /// configured), so neither their limit nor their remaining is a figure per interval.
    /// </summary>
    /// <param name="window">The configured interval plus the guard.</param>
    internal RateLimitReport Within(TimeSpan window)
    {
        var report = this;
        if (ResetRequests > window) report = report with { RequestLimit = null, RemainingRequests = null };
        if (ResetTokens > window) report = report with { TokenLimit = null, RemainingTokens = null };
        return report;
    }

    /// <summary>Reads the figures from <paramref name="headers"/> by <paramref name="names"/>; a reset given as an instant is measured from <paramref name="now"/>.</summary>
    /// <param name="headers">The response's headers.</param>
    /// <param name="names">Which headers hold which figure.</param>
    /// <param name="now">The current time.</param>
    public static RateLimitReport Read(HttpResponseHeaders headers, RateLimitHeaderNames names, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(names);
        return new RateLimitReport(
            Count(First(headers, names.LimitRequests)),
            Count(First(headers, names.RemainingRequests)),
            ParseReset(First(headers, names.ResetRequests), now),
            Count(First(headers, names.LimitTokens)),
            Count(First(headers, names.RemainingTokens)),
            ParseReset(First(headers, names.ResetTokens), now));
    }

    /// <summary>
    /// A reset as OpenAI writes it (<c>1s</c>, <c>6m0s</c>, <c>8.5s</c>, <c>20ms</c>, <c>1h2m</c>), a bare
    /// number of seconds, or an RFC 3339 instant (Anthropic), as the time from <paramref name="now"/>;
    /// <see langword="null"/> when unreadable. Never negative.
    /// </summary>
    /// <param name="value">The header's value.</param>
    /// <param name="now">The current time, for an instant.</param>
    public static TimeSpan? ParseReset(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        value = value.Trim();
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var bareSeconds))
            return bareSeconds >= 0 && bareSeconds < 1e9 ? TimeSpan.FromSeconds(bareSeconds) : null;
        if (value.Contains('T', StringComparison.Ordinal)
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
            return instant > now ? instant - now : TimeSpan.Zero;
        return ParseDuration(value);
    }

    private static TimeSpan? ParseDuration(string value)
    {
        var total = 0.0;
        var span = value.AsSpan();
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.')) digits++;
            if (digits == 0 || !double.TryParse(span[..digits], NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return null;
            span = span[digits..];
            var unit = 0;
            while (unit < span.Length && char.IsAsciiLetter(span[unit])) unit++;
            double? seconds = span[..unit] switch
            {
                "h" => number * 3600,
                "m" => number * 60,
                "s" => number,
                "ms" => number / 1000,
                _ => null,
            };
            if (seconds is not { } add) return null;
            total += add;
            span = span[unit..];
        }

        return total < 1e9 ? TimeSpan.FromSeconds(total) : null;
    }

    private static string? First(HttpResponseHeaders headers, IReadOnlyList<string> names)
    {
        foreach (var name in names)
        {
            if (headers.TryGetValues(name, out var values)) return values.FirstOrDefault();
        }

        return null;
    }

    private static long? Count(string? value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) && count >= 0 ? count : null;
}
