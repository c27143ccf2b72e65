using Dispatch.Cluster.Owner;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Cluster.Tests.Owner;

public class ProviderCountsTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private DateTimeOffset Now => _time.GetUtcNow();

    [Fact]
    public void The_provider_counted_the_latest_count_of_every_node()
    {
        var counts = new ProviderCounts(Interval);
        counts.Record("a", 10, 100, Now);
        counts.Record("b", 20, 200, Now);
        counts.Record("a", 30, 300, Now);

        Assert.Equal((50L, 500L), counts.Sum(Now));
    }

    [Fact]
    public void A_count_shrinks_with_the_share_of_the_interval_since_it_came_and_is_forgotten_after_a_whole_one()
    {
        var counts = new ProviderCounts(Interval);
        counts.Record("a", 100, 1000, Now);

        _time.Advance(Interval / 4);
        var quarter = counts.Sum(Now);
        _time.Advance(Interval / 2);
        var threeQuarters = counts.Sum(Now);
        _time.Advance(Interval / 4);
        var whole = counts.Sum(Now);

        Assert.Equal((75L, 750L), quarter);
        Assert.Equal((25L, 250L), threeQuarters);
        Assert.Equal((0L, 0L), whole);
    }
}
