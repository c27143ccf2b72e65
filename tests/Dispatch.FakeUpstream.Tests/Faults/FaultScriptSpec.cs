using Dispatch.FakeUpstream.Faults;

namespace Dispatch.FakeUpstream.Tests.Faults;

public sealed class FaultScriptSpec
{
    [Fact]
    public void Script_text_reads_steps_retry_afters_and_a_repeat_marker()
    {
        var script = FaultScript.Parse(" 503:1.5, reset ,ok,429* ");

        Assert.Equal(new Fault(FaultKind.ServiceUnavailable, TimeSpan.FromSeconds(1.5)), script.ForArrival(1));
        Assert.Equal(new Fault(FaultKind.ConnectionReset), script.ForArrival(2));
        Assert.Equal(Fault.None, script.ForArrival(3));
        Assert.Equal(new Fault(FaultKind.TooManyRequests), script.ForArrival(4));
        Assert.Equal(new Fault(FaultKind.TooManyRequests), script.ForArrival(99));
    }

    [Fact]
    public void Arrivals_past_a_script_without_repeat_are_served_normally()
    {
        var script = FaultScript.Parse("timeout,malformed,oversized");

        Assert.Equal(FaultKind.MalformedJson, script.ForArrival(2).Kind);
        Assert.Equal(FaultKind.OversizedBody, script.ForArrival(3).Kind);
        Assert.Equal(Fault.None, script.ForArrival(4));
    }

    [Theory]
    [InlineData("")]
    [InlineData("418")]
    [InlineData("503:-1")]
    [InlineData("503:soon")]
    [InlineData("500,,502")]
    public void Invalid_script_text_is_refused(string text)
    {
        Assert.False(FaultScript.TryParse(text, out _));
        Assert.Throws<FormatException>(() => FaultScript.Parse(text));
    }
}
