using Dispatch.Cluster.Owner;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Cluster.Tests.Owner;

public class ProviderCountsTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private DateTimeOffset Now => _time.GetUtcNow();

    [Fact]
    public void The_reporting_node_counts_in_full_and_the_others_only_with_their_recent_calls()
    {
        var counts = new ProviderCounts(Interval);
        counts.Report("a", (100, 1000), (40, 400), Now);
        counts.Report("b", (60, 600), (10, 100), Now);

        var sum = counts.Report("c", (30, 300), (30, 300), Now);

        Assert.Equal((30L + 40 + 10, 300L + 400 + 100), sum);
    }

    [Fact]
    public void A_nodes_latest_count_replaces_its_earlier_one()
    {
        var counts = new ProviderCounts(Interval);
        counts.Report("a", (100, 0), (40, 0), Now);
        counts.Report("a", (50, 0), (5, 0), Now);

        var sum = counts.Report("b", (0, 0), (0, 0), Now);

        Assert.Equal((5L, 0L), sum);
    }

    [Fact]
    public void Another_nodes_recent_calls_count_for_half_an_interval_after_its_count_came()
    {
        var counts = new ProviderCounts(Interval);
        counts.Report("a", (100, 0), (40, 0), Now);

        _time.Advance((Interval / 2) - TimeSpan.FromTicks(1));
        var justBefore = counts.Report("b", (0, 0), (0, 0), Now);
        _time.Advance(TimeSpan.FromTicks(1));
        var after = counts.Report("b", (0, 0), (0, 0), Now);

        Assert.Equal(40, justBefore.Requests);
        Assert.Equal(0, after.Requests);
    }
}
