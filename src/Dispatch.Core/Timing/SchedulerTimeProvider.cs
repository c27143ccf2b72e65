using Akka.Actor;

namespace Dispatch.Core.Timing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock and timers are the actor system's scheduler, for the
/// few places that need a <see cref="TimeProvider"/> (an attempt's <see cref="CancellationTokenSource"/>,
/// the session's Retry-After dates): they then follow Akka's <c>TestScheduler</c> like every
/// actor timer does. Timestamps stay the high-resolution system clock (elapsed times only).
/// </summary>
internal sealed class SchedulerTimeProvider(IScheduler scheduler) : TimeProvider
{
    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => scheduler.Now;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new SchedulerTimer(scheduler.Advanced, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>One timer: a scheduled action, re-scheduled by <see cref="Change"/>.</summary>
    private sealed class SchedulerTimer(IAdvancedScheduler scheduler, TimerCallback callback, object? state) : ITimer
    {
        private readonly Lock _lock = new();
        private Cancelable? _scheduled;
        private bool _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (_lock)
            {
                if (_disposed) return false;
                _scheduled?.Cancel();
                _scheduled = null;
                if (dueTime == Timeout.InfiniteTimeSpan) return true;

                var scheduled = new Cancelable(scheduler);
                var due = dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime;
                void Fire()
                {
                    // Not every scheduler honours the cancelable (TestScheduler's ScheduleOnce drops it):
                    // a timer changed or disposed since must not fire for its old due time.
                    if (!scheduled.IsCancellationRequested) callback(state);
                }

                if (period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero) scheduler.ScheduleOnce(due, Fire, scheduled);
                else scheduler.ScheduleRepeatedly(due, period, Fire, scheduled);
                _scheduled = scheduled;
                return true;
            }
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _disposed = true;
                _scheduled?.Cancel();
                _scheduled = null;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
