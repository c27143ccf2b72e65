using System.Globalization;
using Dispatch.FakeUpstream.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace Dispatch.FakeUpstream.Serving;

/// <summary>Writes the <c>x-ratelimit-*</c> and Retry-After headers in OpenAI's format.</summary>
internal static class RateLimitHeaders
{
    public static void Apply(IHeaderDictionary headers, RateLimitOptions limits, in RateLimitDecision decision)
    {
        if (limits.RequestsPerWindow is { } requestLimit)
        {
            headers[FakeUpstreamHeaders.LimitRequests] = Format(requestLimit);
            headers[FakeUpstreamHeaders.RemainingRequests] = Format(decision.RemainingRequests ?? 0);
            headers[FakeUpstreamHeaders.ResetRequests] = Duration(decision.ResetRequests);
        }

        if (limits.TokensPerWindow is { } tokenLimit)
        {
            headers[FakeUpstreamHeaders.LimitTokens] = Format(tokenLimit);
            headers[FakeUpstreamHeaders.RemainingTokens] = Format(decision.RemainingTokens ?? 0);
            headers[FakeUpstreamHeaders.ResetTokens] = Duration(decision.ResetTokens);
        }
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

    /// <summary>Seconds with up to millisecond precision and a unit, e.g. <c>1.5s</c>, <c>0s</c>.</summary>
    public static string Duration(TimeSpan value) =>
        Math.Max(0, value.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture) + "s";

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);
}
