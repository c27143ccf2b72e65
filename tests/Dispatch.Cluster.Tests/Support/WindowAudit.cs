namespace Dispatch.Cluster.Tests.Support;

/// <summary>
/// An independent check of the window guarantee, written without the ledger's shortcuts: for every
/// interval that could be the busiest, sum what fell in it.
/// </summary>
internal static class WindowAudit
{
    /// <summary>
    /// The most credits any window of <paramref name="window"/> holds, when each item counts in every
    /// window its span <c>[Start, Finish]</c> touches. A window's busiest arrangement has the item that
    /// starts last in it at its right edge, so trying each start as the right edge covers every window.
    /// </summary>
    public static (long Requests, long Tokens) Peak(IReadOnlyList<Span> items, TimeSpan window)
    {
        long peakRequests = 0, peakTokens = 0;
        foreach (var last in items)
        {
            long requests = 0, tokens = 0;
            foreach (var item in items)
            {
                if (item.Start <= last.Start && item.Finish > last.Start - window)
                {
                    requests += item.Requests;
                    tokens += item.Tokens;
                }
            }

            peakRequests = Math.Max(peakRequests, requests);
            peakTokens = Math.Max(peakTokens, tokens);
        }

        return (peakRequests, peakTokens);
    }

    /// <summary>Something that counts against the limits over <c>[Start, Finish]</c> (a lease), or at one instant (a spend: Start = Finish).</summary>
    public sealed record Span(DateTimeOffset Start, DateTimeOffset Finish, long Requests, long Tokens);
}
