namespace Dispatch.Hocon.Tests.Model;

public class UnitsTests
{
    [Theory]
    [InlineData("500ms", 500 * TimeSpan.TicksPerMillisecond)]
    [InlineData("10s", 10 * TimeSpan.TicksPerSecond)]
    [InlineData("10 seconds", 10 * TimeSpan.TicksPerSecond)]
    [InlineData("1m", TimeSpan.TicksPerMinute)]
    [InlineData("2 hours", 2 * TimeSpan.TicksPerHour)]
    [InlineData("1d", TimeSpan.TicksPerDay)]
    [InlineData("3 days", 3 * TimeSpan.TicksPerDay)]
    [InlineData("1.5s", 15 * TimeSpan.TicksPerSecond / 10)]
    [InlineData("250us", 250 * TimeSpan.TicksPerMicrosecond)]
    [InlineData("1000ns", 10)]
    [InlineData("2 minutes", 2 * TimeSpan.TicksPerMinute)]
    [InlineData("5 millis", 5 * TimeSpan.TicksPerMillisecond)]
    [InlineData("42", 42 * TimeSpan.TicksPerMillisecond)]
    public void Durations_are_read_with_every_unit(string text, long ticks)
    {
        Assert.Equal(TimeSpan.FromTicks(ticks), HoconConfig.Parse($"d = {text}").GetDuration("d"));
    }

    [Theory]
    [InlineData("10 parsecs")]
    [InlineData("fast")]
    [InlineData("1e999999s")]
    [InlineData("99999999999999999d")]
    public void Text_that_is_no_duration_is_a_wrong_type_error(string text)
    {
        var error = Assert.Throws<HoconWrongTypeException>(() => HoconConfig.Parse($"d = {text}", "units.conf").GetDuration("d"));
        Assert.Equal("duration", error.Expected);
        Assert.Contains("units.conf:1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("512", 512)]
    [InlineData("512B", 512)]
    [InlineData("64KiB", 64 * 1024)]
    [InlineData("64K", 64 * 1024)]
    [InlineData("64k", 64 * 1024)]
    [InlineData("1KB", 1000)]
    [InlineData("1kB", 1000)]
    [InlineData("10MB", 10_000_000)]
    [InlineData("10MiB", 10 * 1024 * 1024)]
    [InlineData("10M", 10 * 1024 * 1024)]
    [InlineData("2GB", 2_000_000_000)]
    [InlineData("2GiB", 2L * 1024 * 1024 * 1024)]
    [InlineData("3 kilobytes", 3000)]
    [InlineData("3 kibibytes", 3 * 1024)]
    [InlineData("1.5KiB", 1536)]
    [InlineData("1 TB", 1_000_000_000_000)]
    public void Sizes_use_powers_of_1000_for_kB_and_of_1024_for_KiB(string text, long bytes)
    {
        Assert.Equal(bytes, HoconConfig.Parse($"s = {text}").GetBytes("s"));
    }

    [Theory]
    [InlineData("10 bananas")]
    [InlineData("100000EiB")]
    public void Text_that_is_no_size_is_a_wrong_type_error(string text)
    {
        Assert.Throws<HoconWrongTypeException>(() => HoconConfig.Parse($"s = {text}").GetBytes("s"));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("yes", true)]
    [InlineData("on", true)]
    [InlineData("false", false)]
    [InlineData("no", false)]
    [InlineData("off", false)]
    [InlineData("\"on\"", true)]
    public void Booleans_accept_on_off_yes_no_true_false(string text, bool expected)
    {
        Assert.Equal(expected, HoconConfig.Parse($"b = {text}").GetBoolean("b"));
    }

    [Fact]
    public void Null_is_a_value_but_getters_treat_it_as_missing()
    {
        var config = HoconConfig.Parse("n = null", "null.conf");
        Assert.False(config.HasPath("n"));
        Assert.Equal("null", config.ToJson()[5..9]);
        var error = Assert.Throws<HoconMissingPathException>(() => config.GetString("n"));
        Assert.Contains("null.conf:1", error.Message, StringComparison.Ordinal);
        Assert.Equal("fallback", config.GetString("n", "fallback"));
    }

    [Fact]
    public void Public_unit_parsers_report_failure_without_throwing()
    {
        Assert.False(HoconUnits.TryParseDuration("", out _));
        Assert.False(HoconUnits.TryParseBytes("KiB", out _));
        Assert.True(HoconUnits.TryParseDuration("1e3ms", out var d));
        Assert.Equal(TimeSpan.FromSeconds(1), d);
    }
}
