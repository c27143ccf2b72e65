using Dispatch.Cli.Bench;

namespace Dispatch.Cli.Tests.Bench;

public sealed class PercentilesTests
{
    private static readonly long[] OneToHundred = Enumerable.Range(1, 100).Select(i => (long)i).ToArray();

    [Fact]
    public void The_median_of_one_to_a_hundred_is_fifty() =>
        Assert.Equal(50, Percentiles.Of(OneToHundred, 50));

    [Fact]
    public void The_99th_percentile_is_a_sample_that_really_occurred() =>
        Assert.Equal(99, Percentiles.Of(OneToHundred, 99));

    [Fact]
    public void The_100th_percentile_is_the_largest_sample() =>
        Assert.Equal(100, Percentiles.Of(OneToHundred, 100));

    [Fact]
    public void A_single_sample_is_every_percentile()
    {
        long[] one = [42];

        Assert.Equal(42, Percentiles.Of(one, 1));
        Assert.Equal(42, Percentiles.Of(one, 99));
    }

    [Fact]
    public void No_samples_give_zero() =>
        Assert.Equal(0, Percentiles.Of([], 50));

    [Fact]
    public void A_percentile_outside_zero_to_a_hundred_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Of(OneToHundred, 0));
}
