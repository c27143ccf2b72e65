namespace Dispatch.Cli.Bench;

/// <summary>
/// An independent check of a sliding-window limit: given when each admitted request happened and
/// what it cost, the most requests and tokens that fell into any one window <c>(t - window, t]</c>.
/// </summary>
internal static class WindowAudit
{
    /// <summary>The busiest window's requests and tokens.</summary>
    /// <param name="admissions">Timestamps (any tick unit, ascending or not) and token costs.</param>
    /// <param name="window">The window length in the same tick unit.</param>
    public static (long Requests, long Tokens) Busiest(IReadOnlyList<(long At, long Tokens)> admissions, long window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, 0);
        var sorted = admissions.OrderBy(a => a.At).ToArray();
        long maxRequests = 0, maxTokens = 0, tokens = 0;
        var oldest = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            tokens += sorted[i].Tokens;
            // A window ending at this admission holds every admission later than At - window.
            while (sorted[oldest].At <= sorted[i].At - window)
            {
                tokens -= sorted[oldest].Tokens;
                oldest++;
            }

            maxRequests = Math.Max(maxRequests, i - oldest + 1);
            maxTokens = Math.Max(maxTokens, tokens);
        }

        return (maxRequests, maxTokens);
    }
}
