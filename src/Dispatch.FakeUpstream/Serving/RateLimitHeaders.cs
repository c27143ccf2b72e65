using System.Globalization;
using Dispatch.FakeUpstream.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace Dispatch.FakeUpstream.Serving;

/// <summary>Writes the rate-limit headers in OpenAI's or Anthropic's format (or none), and Retry-After.</summary>
internal static class RateLimitHeaders
{
    public static void Apply(IHeaderDictionary headers, LimitsInForce limits, in RateLimitDecision decision, long nowTicks)
    {
        switch (limits.Options.Headers)
        {
            case RateLimitHeaderStyle.OpenAI:
                ApplyOpenAI(headers, limits, decision);
                break;
            case RateLimitHeaderStyle.Anthropic:
                ApplyAnthropic(headers, limits, decision, nowTicks);
                break;
        }
    }

    private static void ApplyOpenAI(IHeaderDictionary headers, LimitsInForce limits, in RateLimitDecision decision)
    {
        if (limits.RequestLimitText is not null)
        {
            headers[FakeUpstreamHeaders.LimitRequests] = limits.RequestLimitText;
            headers[FakeUpstreamHeaders.RemainingRequests] = Format(decision.RemainingRequests ?? 0);
            headers[FakeUpstreamHeaders.ResetRequests] = Duration(decision.ResetRequests);
        }

        if (limits.TokenLimitText is not null)
        {
            headers[FakeUpstreamHeaders.LimitTokens] = limits.TokenLimitText;
            headers[FakeUpstreamHeaders.RemainingTokens] = Format(decision.RemainingTokens ?? 0);
            headers[FakeUpstreamHeaders.ResetTokens] = Duration(decision.ResetTokens);
        }
    }

    private static void ApplyAnthropic(IHeaderDictionary headers, LimitsInForce limits, in RateLimitDecision decision, long nowTicks)
    {
        if (limits.RequestLimitText is not null)
        {
            headers[FakeUpstreamHeaders.AnthropicLimitRequests] = limits.RequestLimitText;
            headers[FakeUpstreamHeaders.AnthropicRemainingRequests] = Format(decision.RemainingRequests ?? 0);
            headers[FakeUpstreamHeaders.AnthropicResetRequests] = Instant(nowTicks, decision.ResetRequests);
        }

        if (limits.TokenLimitText is not null)
        {
            headers[FakeUpstreamHeaders.AnthropicLimitTokens] = limits.TokenLimitText;
            headers[FakeUpstreamHeaders.AnthropicRemainingTokens] = Format(decision.RemainingTokens ?? 0);
            headers[FakeUpstreamHeaders.AnthropicResetTokens] = Instant(nowTicks, decision.ResetTokens);
        }
    }

    /// <summary>RFC 3339 in UTC with milliseconds, rounded up like every other reset.</summary>
    private static string Instant(long nowTicks, TimeSpan after)
    {
        var milliseconds = (after.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        var at = new DateTime(nowTicks, DateTimeKind.Utc).AddMilliseconds(milliseconds);
        return at.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// <c>Retry-After</c> in whole seconds rounded up, so a client that honours it never comes back
    /// early, and <c>retry-after-ms</c> for clients that want the exact wait.
    /// </summary>
    public static void ApplyRetryAfter(IHeaderDictionary headers, TimeSpan retryAfter)
    {
        var seconds = (retryAfter.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
        var milliseconds = (retryAfter.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        headers.RetryAfter = Format(seconds);
        headers[FakeUpstreamHeaders.RetryAfterMs] = Format(milliseconds);
    }

    /// <summary>
    /// Seconds with up to millisecond precision (rounded up) and a unit, e.g. <c>1.5s</c>, <c>0s</c>;
    /// integer arithmetic, because this runs for every limited response.
    /// </summary>
    public static string Duration(TimeSpan value)
    {
        var milliseconds = Math.Max(0, (value.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
        var (seconds, fraction) = Math.DivRem(milliseconds, 1000);
        if (fraction == 0) return string.Create(CultureInfo.InvariantCulture, $"{seconds}s");
        var digits = fraction % 100 == 0 ? 1 : fraction % 10 == 0 ? 2 : 3;
        var shown = digits switch { 1 => fraction / 100, 2 => fraction / 10, _ => fraction };
        return digits switch
        {
            1 => string.Create(CultureInfo.InvariantCulture, $"{seconds}.{shown}s"),
            2 => string.Create(CultureInfo.InvariantCulture, $"{seconds}.{shown:D2}s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{seconds}.{shown:D3}s"),
        };
    }

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
