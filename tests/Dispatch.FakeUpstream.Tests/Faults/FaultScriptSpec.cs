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
    [InlineData("ok", FaultKind.None, 200)]
    [InlineData("none", FaultKind.None, 200)]
    [InlineData("400", FaultKind.BadRequest, 400)]
    [InlineData("401", FaultKind.Unauthorized, 401)]
    [InlineData("403", FaultKind.Forbidden, 403)]
    [InlineData("404", FaultKind.NotFound, 404)]
    [InlineData("422", FaultKind.UnprocessableEntity, 422)]
    [InlineData("429", FaultKind.TooManyRequests, 429)]
    [InlineData("500", FaultKind.InternalServerError, 500)]
    [InlineData("502", FaultKind.BadGateway, 502)]
    [InlineData("503", FaultKind.ServiceUnavailable, 503)]
    [InlineData("504", FaultKind.GatewayTimeout, 504)]
    [InlineData("timeout", FaultKind.Timeout, 0)]
    [InlineData("reset", FaultKind.ConnectionReset, 0)]
    [InlineData("malformed", FaultKind.MalformedJson, 200)]
    [InlineData("oversized", FaultKind.OversizedBody, 200)]
    public void Every_step_name_maps_to_its_kind_and_status(string text, FaultKind kind, int status)
    {
        Assert.True(Fault.TryParse(text, out var fault));

        Assert.Equal(kind, fault.Kind);
        Assert.Equal(status, fault.StatusCode);
        Assert.Null(fault.RetryAfter);
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
