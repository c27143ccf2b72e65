using Dispatch.FakeUpstream.Serving;

namespace Dispatch.FakeUpstream.Tests.Serving;

public sealed class RateLimitHeadersSpec
{
    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(1L, "0.001s")]
    [InlineData(2_500_000L, "0.25s")]
    [InlineData(15_000_000L, "1.5s")]
    [InlineData(85_000_000L, "8.5s")]
    [InlineData(100_000_000L, "10s")]
    [InlineData(12_345_678L, "1.235s")]
    [InlineData(-5L, "0s")]
    public void Durations_are_seconds_to_the_millisecond_rounded_up(long ticks, string expected)
    {
        Assert.Equal(expected, RateLimitHeaders.Duration(TimeSpan.FromTicks(ticks)));
    }
}
