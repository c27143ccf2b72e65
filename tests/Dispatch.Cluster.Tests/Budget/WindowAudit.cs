namespace Dispatch.Cluster.Tests.Budget;

/// <summary>One recorded grant: the span [Start, End] (server µs) it may be used in, and its amounts.</summary>
public readonly record struct RecordedGrant(long Start, long End, long Requests, long Tokens);

/// <summary>
/// Finds the fullest window in a set of recorded grants, independently of the script. A grant
/// counts in a window [a, a + interval] when its span touches it. The fullest window can always
/// be slid left until its right edge sits on some grant's start without losing a grant, so
/// checking the windows that end at each start covers every window.
/// </summary>
public static class WindowAudit
{
    public static (long Requests, long Tokens) Fullest(IReadOnlyList<RecordedGrant> grants, long intervalMicros)
    {
        long maxRequests = 0, maxTokens = 0;
        foreach (var edge in grants)
        {
            long windowStart = edge.Start - intervalMicros;
            long requests = 0, tokens = 0;
            foreach (var grant in grants)
            {
                if (grant.Start <= edge.Start && grant.End >= windowStart)
                {
                    requests += grant.Requests;
                    tokens += grant.Tokens;
                }
            }
            maxRequests = Math.Max(maxRequests, requests);
            maxTokens = Math.Max(maxTokens, tokens);
        }
        return (maxRequests, maxTokens);
    }
}

public sealed class WindowAuditTests
{
    [Fact]
    public void Grants_a_whole_interval_apart_are_in_separate_windows()
    {
        var grants = new[] { new RecordedGrant(0, 0, 1, 10), new RecordedGrant(1001, 1001, 1, 10) };
        Assert.Equal((1, 10), WindowAudit.Fullest(grants, 1000));
    }

    [Fact]
    public void Grants_exactly_one_interval_apart_share_a_window()
    {
        var grants = new[] { new RecordedGrant(0, 0, 1, 10), new RecordedGrant(1000, 1000, 1, 10) };
        Assert.Equal((2, 20), WindowAudit.Fullest(grants, 1000));
    }

    [Fact]
    public void A_lease_counts_in_every_window_its_span_touches()
    {
        var grants = new[] { new RecordedGrant(0, 500, 5, 0), new RecordedGrant(1400, 1400, 1, 0), new RecordedGrant(1600, 1600, 1, 0) };
        Assert.Equal(6, WindowAudit.Fullest(grants, 1000).Requests);
    }
}
