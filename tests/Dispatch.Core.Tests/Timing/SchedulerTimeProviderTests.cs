using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Dispatch.Core.Timing;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Timing;

/// <summary>The TimeProvider over the actor system's scheduler: its clock and timers follow Akka's TestScheduler.</summary>
public class SchedulerTimeProviderTests(ITestOutputHelper output)
    : TestKit("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"", output)
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private int _fired;

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private SchedulerTimeProvider Time() => new(Sys.Scheduler);

    private int Fired => Volatile.Read(ref _fired);

    private ITimer Timer(SchedulerTimeProvider time, TimeSpan dueTime, TimeSpan? period = null) =>
        time.CreateTimer(_ => Interlocked.Increment(ref _fired), null, dueTime, period ?? Timeout.InfiniteTimeSpan);

    [Fact]
    public void GetUtcNow_follows_the_schedulers_clock()
    {
        var time = Time();
        var start = Sys.Scheduler.Now;

        Scheduler.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(start + TimeSpan.FromSeconds(5), time.GetUtcNow());
        Assert.Equal(Sys.Scheduler.Now, time.GetUtcNow());
    }

    [Fact]
    public void A_timer_fires_when_the_scheduler_advances_to_its_due_time_and_not_a_tick_earlier()
    {
        using var timer = Timer(Time(), Second);

        Scheduler.Advance(Second - TimeSpan.FromTicks(1));
        Assert.Equal(0, Fired);
        Scheduler.Advance(TimeSpan.FromTicks(1));

        Assert.Equal(1, Fired);
    }

    [Fact]
    public void A_periodic_timer_fires_once_per_period()
    {
        using var timer = Timer(Time(), Second, period: Second);

        for (var i = 0; i < 3; i++) Scheduler.Advance(Second);

        Assert.Equal(3, Fired);
    }

    [Fact]
    public void Changing_a_timer_moves_its_due_time_and_the_earlier_one_never_fires()
    {
        using var timer = Timer(Time(), Second);

        Assert.True(timer.Change(3 * Second, Timeout.InfiniteTimeSpan));
        Scheduler.Advance(2 * Second);
        Assert.Equal(0, Fired);
        Scheduler.Advance(Second);

        Assert.Equal(1, Fired);
    }

    [Fact]
    public void Changing_a_timer_to_an_infinite_due_time_stops_it()
    {
        using var timer = Timer(Time(), Second, period: Second);

        timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Scheduler.Advance(5 * Second);

        Assert.Equal(0, Fired);
    }

    [Fact]
    public void A_disposed_timer_never_fires_and_refuses_changes()
    {
        var timer = Timer(Time(), Second);

        timer.Dispose();
        Scheduler.Advance(5 * Second);

        Assert.Equal(0, Fired);
        Assert.False(timer.Change(Second, Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void A_token_source_on_it_cancels_after_its_delay_in_virtual_time()
    {
        using var source = new CancellationTokenSource(5 * Second, Time());

        Scheduler.Advance(5 * Second - TimeSpan.FromTicks(1));
        Assert.False(source.IsCancellationRequested);
        Scheduler.Advance(TimeSpan.FromTicks(1));

        Assert.True(source.IsCancellationRequested);
    }

    [Fact]
    public void A_token_source_re_armed_cancels_at_its_new_delay_not_the_earlier_one()
    {
        using var source = new CancellationTokenSource(Timeout.InfiniteTimeSpan, Time());
        source.CancelAfter(5 * Second);

        source.CancelAfter(10 * Second);
        Scheduler.Advance(5 * Second);
        Assert.False(source.IsCancellationRequested);
        Scheduler.Advance(5 * Second);

        Assert.True(source.IsCancellationRequested);
    }
}
