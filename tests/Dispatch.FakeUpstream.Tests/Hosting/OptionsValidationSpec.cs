using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.Latency;
using Dispatch.FakeUpstream.RateLimiting;

namespace Dispatch.FakeUpstream.Tests.Hosting;

public sealed class OptionsValidationSpec
{
    public static TheoryData<FakeUpstreamOptions, string> InvalidOptions => new()
    {
        { new FakeUpstreamOptions { Port = 70000 }, "Port" },
        { new FakeUpstreamOptions { Limits = new RateLimitOptions { RequestsPerWindow = -1 } }, "Limits.RequestsPerWindow" },
        { new FakeUpstreamOptions { Limits = new RateLimitOptions { Window = TimeSpan.Zero } }, "Limits.Window" },
        { new FakeUpstreamOptions { Latency = LatencyOptions.Fixed(TimeSpan.FromMilliseconds(-1)) }, "Latency.Delay" },
        { new FakeUpstreamOptions { Latency = LatencyOptions.Uniform(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)) }, "Latency.Max" },
        { new FakeUpstreamOptions { Latency = LatencyOptions.FromPercentiles(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)) }, "Latency.P90" },
        { new FakeUpstreamOptions { Faults = FaultOptions.Spread(1.5, FaultKind.BadGateway) }, "Faults.Rates[BadGateway]" },
        { new FakeUpstreamOptions { Faults = FaultOptions.Spread(1.2, FaultKind.BadGateway, FaultKind.NotFound) }, "Faults.Rates" },
        { new FakeUpstreamOptions { Faults = new FaultOptions { Rates = new Dictionary<FaultKind, double> { [FaultKind.None] = 0.1 } } }, "Faults.Rates[None]" },
        { new FakeUpstreamOptions { Faults = new FaultOptions { OversizedBodyBytes = 10 } }, "Faults.OversizedBodyBytes" },
        { new FakeUpstreamOptions { RequiredApiKey = "" }, "RequiredApiKey" },
        { new FakeUpstreamOptions { MaxRequestBodyBytes = 0 }, "MaxRequestBodyBytes" },
        { new FakeUpstreamOptions { ShutdownTimeout = TimeSpan.FromSeconds(-1) }, "ShutdownTimeout" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Validate_names_the_invalid_setting(FakeUpstreamOptions options, string setting)
    {
        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(setting, error.ParamName);
        Assert.Contains($"'{setting}'", error.Message);
    }

    [Fact]
    public void Defaults_are_valid()
    {
        new FakeUpstreamOptions().Validate();
        FaultOptions.Spread(0.3).Validate();
        RateLimitOptions.PerMinute(600, 60_000).Validate();
    }
}
