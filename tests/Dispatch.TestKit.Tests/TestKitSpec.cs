using Dispatch.Actors;
using Xunit.Abstractions;

namespace Dispatch.Testing.Tests;

public sealed class TestKitSpec
{
    [Fact]
    public void A_kit_created_with_a_manual_clock_exposes_it_as_Clock_and_drives_the_system_with_it()
    {
        var clock = new ManualTimeProvider();
        using var kit = new TestKit(timeProvider: clock);

        kit.Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(60), kit.TestActor, "replenish", null);
        kit.Clock.Advance(TimeSpan.FromSeconds(60));

        kit.ExpectMsg("replenish");
        Assert.Same(clock, kit.Clock);
    }

    [Fact]
    public void Clock_on_a_kit_using_the_system_clock_throws_a_clear_exception()
    {
        using var kit = new TestKit();

        var error = Assert.Throws<InvalidOperationException>(() => kit.Clock);

        Assert.Contains("ManualTimeProvider", error.Message);
    }

    [Fact]
    public void Disposing_the_kit_terminates_its_system()
    {
        var kit = new TestKit();

        kit.Dispose();
        kit.Dispose();

        Assert.True(kit.Sys.WhenTerminated.IsCompleted);
    }

    [Fact]
    public void A_kit_with_output_logs_actor_failures_to_it()
    {
        var output = new RecordingOutput();
        using var kit = new TestKit(output);
        var actor = kit.Sys.ActorOf(Props.Create<Failing>());

        actor.Tell("fail");

        kit.AwaitCondition(() => output.Lines.Any(l => l.Contains("[Error]", StringComparison.Ordinal) && l.Contains("it failed", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_time_factor_comes_from_the_environment_variables_text()
    {
        // Parsing is tested on the text: setting the variable would race with kits built in parallel.
        Assert.Equal(2.5, TestKitSettings.FromTimeFactorText("2.5").TimeFactor);
        Assert.Equal(1.0, TestKitSettings.FromTimeFactorText(null).TimeFactor);
        var error = Assert.Throws<ArgumentException>(() => TestKitSettings.FromTimeFactorText("fast"));
        Assert.Contains(TestKitSettings.TimeFactorVariable, error.Message);
        Assert.True(TestKitSettings.FromEnvironment().TimeFactor > 0);
    }

    [Fact]
    public void Invalid_kit_settings_are_rejected_naming_the_setting()
    {
        Assert.Contains("TimeFactor", Assert.Throws<ArgumentException>(() => new TestKitSettings { TimeFactor = 0 }.Validate()).Message);
        Assert.Contains("DefaultTimeout", Assert.Throws<ArgumentException>(() => new TestKitSettings { DefaultTimeout = TimeSpan.Zero }.Validate()).Message);
        Assert.Contains("DefaultNoMessageDuration", Assert.Throws<ArgumentException>(() => new TestKitSettings { DefaultNoMessageDuration = TimeSpan.FromSeconds(-1) }.Validate()).Message);
    }

    public sealed class Failing : ReceiveActor
    {
        public Failing() => Receive<string>(_ => throw new InvalidOperationException("it failed"));
    }

    private sealed class RecordingOutput : ITestOutputHelper
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => [.. _lines];

        public void WriteLine(string message) => _lines.Enqueue(message);

        public void WriteLine(string format, params object[] args) => _lines.Enqueue(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }
}
