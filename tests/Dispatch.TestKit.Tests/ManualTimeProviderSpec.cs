namespace Dispatch.Testing.Tests;

public sealed class ManualTimeProviderSpec
{
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Time_stands_still_until_advanced_and_timestamps_follow_it()
    {
        var start = _clock.GetTimestamp();

        _clock.Advance(TimeSpan.FromMinutes(90));

        Assert.Equal(new DateTimeOffset(2030, 1, 1, 1, 30, 0, TimeSpan.Zero), _clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromMinutes(90), _clock.GetElapsedTime(start));
        Assert.Equal(TimeZoneInfo.Utc, _clock.LocalTimeZone);
        Assert.Contains("2030-01-01T01:30", _clock.ToString());
    }

    [Fact]
    public void Timers_fire_in_due_time_order_with_ties_in_scheduling_order()
    {
        var fired = new List<string>();
        using var late = _clock.CreateTimer(_ => fired.Add("late"), null, TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);
        using var early = _clock.CreateTimer(_ => fired.Add("early"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using var tieFirst = _clock.CreateTimer(_ => fired.Add("tie-1"), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
        using var tieSecond = _clock.CreateTimer(_ => fired.Add("tie-2"), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);

        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(["early", "tie-1", "tie-2", "late"], fired);
    }

    [Fact]
    public void A_callback_sees_the_time_it_was_due_at()
    {
        var seen = new List<TimeSpan>();
        var start = _clock.GetUtcNow();
        using var timer = _clock.CreateTimer(_ => seen.Add(_clock.GetUtcNow() - start), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3));

        _clock.Advance(TimeSpan.FromSeconds(9));

        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(8)], seen);
        Assert.Equal(TimeSpan.FromSeconds(9), _clock.GetUtcNow() - start);
    }

    [Fact]
    public void A_periodic_timer_fires_once_per_period_crossed_by_a_big_advance()
    {
        var ticks = 0;
        using var timer = _clock.CreateTimer(_ => ticks++, null, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60));

        _clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(60, ticks);
    }

    [Fact]
    public void Disposed_or_changed_timers_fire_accordingly()
    {
        var fired = new List<string>();
        var disposed = _clock.CreateTimer(_ => fired.Add("disposed"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using var moved = _clock.CreateTimer(_ => fired.Add("moved"), null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        using var stopped = _clock.CreateTimer(_ => fired.Add("stopped"), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        disposed.Dispose();
        Assert.True(moved.Change(TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan));
        stopped.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        _clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(fired);
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["moved"], fired);
        Assert.False(disposed.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan));
        Assert.Equal(0, _clock.ActiveTimerCount);
    }

    [Fact]
    public async Task A_timer_due_now_fires_at_once_and_async_disposal_removes_timers()
    {
        var fired = 0;
        await using var timer = _clock.CreateTimer(_ => fired++, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);

        Assert.Equal(1, fired);
        await using var pending = _clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        Assert.Equal(1, _clock.ActiveTimerCount);
    }

    [Fact]
    public async Task Task_Delay_on_the_clock_completes_only_when_advanced()
    {
        var delay = Task.Delay(TimeSpan.FromSeconds(30), _clock);
        Assert.False(delay.IsCompleted);

        _clock.Advance(TimeSpan.FromSeconds(30));

        await delay.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void SetUtcNow_moves_forward_but_never_back()
    {
        var target = _clock.GetUtcNow().AddDays(1);

        _clock.SetUtcNow(target);

        Assert.Equal(target, _clock.GetUtcNow());
        Assert.Throws<ArgumentOutOfRangeException>(() => _clock.SetUtcNow(target.AddSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => _clock.Advance(TimeSpan.FromTicks(-1)));
    }

    [Fact]
    public void Invalid_timer_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(-2), Timeout.InfiniteTimeSpan));
        Assert.Throws<ArgumentOutOfRangeException>(() => _clock.CreateTimer(_ => { }, null, TimeSpan.Zero, TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    public void The_default_clock_starts_at_the_turn_of_the_millennium()
    {
        Assert.Equal(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), new ManualTimeProvider().GetUtcNow());
    }
}
