using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Dispatch.Actors;

/// <summary>The system scheduler: one <see cref="ITimer"/> of the system's <see cref="TimeProvider"/> per scheduled item.</summary>
internal sealed class TimeProviderScheduler(TimeProvider clock, ILogger log) : IScheduler
{
    private readonly ConcurrentDictionary<ScheduledItem, byte> _live = new();

    public TimeProvider TimeProvider => clock;

    public DateTimeOffset Now => clock.GetUtcNow();

    public ICancelable ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        return Schedule(delay, Timeout.InfiniteTimeSpan, new ScheduledItem(this, receiver, message, sender, null));
    }

    public ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        return Schedule(initialDelay, interval, new ScheduledItem(this, receiver, message, sender, null));
    }

    public ICancelable ScheduleOnce(TimeSpan delay, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return Schedule(delay, Timeout.InfiniteTimeSpan, new ScheduledItem(this, null, null, null, action));
    }

    public ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        return Schedule(initialDelay, interval, new ScheduledItem(this, null, null, null, action));
    }

    /// <summary>Cancels everything still scheduled; the system is gone.</summary>
    internal void CancelAll()
    {
        foreach (var item in _live.Keys)
        {
            item.Cancel();
        }
    }

    private ScheduledItem Schedule(TimeSpan delay, TimeSpan interval, ScheduledItem item)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        item.Repeating = interval != Timeout.InfiniteTimeSpan;
        _live.TryAdd(item, 0);
        item.Attach(clock.CreateTimer(ScheduledItem.Fire, item, delay, interval));
        return item;
    }

    private sealed class ScheduledItem(TimeProviderScheduler owner, ICanTell? receiver, object? message, IActorRef? sender, Action? action) : ICancelable
    {
        internal static readonly TimerCallback Fire = static state => ((ScheduledItem)state!).Run();

        private ITimer? _timer;
        private int _cancelled;
        private int _done;

        public bool IsCancellationRequested => Volatile.Read(ref _cancelled) != 0;

        internal bool Repeating { get; set; }

        public void Cancel()
        {
            if (Interlocked.Exchange(ref _cancelled, 1) == 0)
            {
                Finish();
            }
        }

        internal void Attach(ITimer timer)
        {
            _timer = timer;
            // A virtual clock may already have fired a due-now item, or it was cancelled meanwhile.
            if (Volatile.Read(ref _done) != 0)
            {
                timer.Dispose();
            }
        }

        private void Run()
        {
            if (IsCancellationRequested || Volatile.Read(ref _done) != 0)
            {
                return;
            }

            if (!Repeating)
            {
                Finish();
            }

            try
            {
                if (action is not null)
                {
                    action();
                }
                else
                {
                    receiver!.Tell(message!, sender);
                }
            }
            catch (Exception e)
            {
                owner.ReportFailure(e);
            }
        }

        private void Finish()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                _timer?.Dispose();
                owner._live.TryRemove(this, out _);
            }
        }
    }

    private void ReportFailure(Exception e) => log.LogError(e, "A scheduled action failed");
}
