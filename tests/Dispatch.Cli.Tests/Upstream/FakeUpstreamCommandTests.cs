using Dispatch.Cli.Upstream;
using Dispatch.FakeUpstream.Latency;

namespace Dispatch.Cli.Tests.Upstream;

public sealed class FakeUpstreamCommandTests
{
    [Fact]
    public void A_single_latency_is_a_fixed_delay()
    {
        Assert.True(FakeUpstreamCommand.TryParseLatency("200ms", out var latency));

        Assert.Equal(LatencyOptions.Fixed(TimeSpan.FromMilliseconds(200)), latency);
    }

    [Fact]
    public void A_latency_range_is_a_uniform_delay()
    {
        Assert.True(FakeUpstreamCommand.TryParseLatency("50ms-2s", out var latency));

        Assert.Equal(LatencyOptions.Uniform(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2)), latency);
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("2s-50ms")]
    public void A_latency_that_is_not_a_duration_or_an_ordered_range_is_refused(string text)
    {
        Assert.False(FakeUpstreamCommand.TryParseLatency(text, out _));
    }
}
