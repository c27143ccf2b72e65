using Dispatch.Testing;

namespace Dispatch.Actors.Tests;

public sealed class SchedulerSpec : ActorSpec
{
    public SchedulerSpec()
        : base(new ManualTimeProvider())
    {
    }

    [Fact]
    public void ScheduleTellOnce_delivers_after_the_delay_in_virtual_time()
    {
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMinutes(1), TestActor, "later", TestActor);

        Clock.Advance(TimeSpan.FromSeconds(59));
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Clock.Advance(TimeSpan.FromSeconds(1));

        ExpectMsg("later");
        Assert.Equal(TestActor, LastSender);
    }

    [Fact]
    public void A_cancelled_tell_is_never_delivered()
    {
        var scheduled = Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(1), TestActor, "never", null);

        scheduled.Cancel();
        Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.True(scheduled.IsCancellationRequested);
        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        Assert.Equal(0, Clock.ActiveTimerCount);
    }

    [Fact]
    public void ScheduleTellRepeatedly_delivers_every_interval_until_cancelled()
    {
        var scheduled = Sys.Scheduler.ScheduleTellRepeatedly(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TestActor, "tick", null);

        Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(3, ReceiveN(3).Count);
        scheduled.Cancel();
        Clock.Advance(TimeSpan.FromSeconds(10));

        ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void ScheduleOnce_and_ScheduleRepeatedly_run_actions()
    {
        var once = 0;
        var repeated = 0;
        Sys.Scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () => once++);
        var repeating = Sys.Scheduler.ScheduleRepeatedly(TimeSpan.Zero, TimeSpan.FromSeconds(1), () => repeated++);

        Clock.Advance(TimeSpan.FromSeconds(3));
        repeating.Cancel();
        Clock.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(1, once);
        Assert.Equal(4, repeated);
    }

    [Fact]
    public void A_failing_scheduled_action_does_not_stop_the_scheduler()
    {
        Sys.Scheduler.ScheduleOnce(TimeSpan.FromSeconds(1), () => throw new InvalidOperationException("action failed"));
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(2), TestActor, "still running", null);

        Clock.Advance(TimeSpan.FromSeconds(2));

        ExpectMsg("still running");
    }

    [Fact]
    public void The_scheduler_rejects_negative_delays_and_non_positive_intervals()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromSeconds(-1), TestActor, "x", null));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sys.Scheduler.ScheduleTellRepeatedly(TimeSpan.Zero, TimeSpan.Zero, TestActor, "x", null));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sys.Scheduler.ScheduleRepeatedly(TimeSpan.Zero, TimeSpan.Zero, () => { }));
    }

    [Fact]
    public void Now_follows_the_systems_clock()
    {
        var before = Sys.Scheduler.Now;

        Clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(before + TimeSpan.FromHours(1), Sys.Scheduler.Now);
        Assert.Same(Clock, Sys.Scheduler.TimeProvider);
    }

    [Fact]
    public async Task Terminating_the_system_cancels_what_is_still_scheduled()
    {
        var clock = new ManualTimeProvider();
        var system = ActorSystem.Create("scheduling", new ActorSystemSettings { TimeProvider = clock });
        system.Scheduler.ScheduleTellRepeatedly(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TestActor, "tick", null);

        await system.Terminate().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(0, clock.ActiveTimerCount);
    }
}
