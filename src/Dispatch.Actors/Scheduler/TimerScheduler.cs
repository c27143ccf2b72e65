namespace Dispatch.Actors;

/// <summary>
/// An actor's timers. Each start gets a new generation number, and a fired message is only
/// delivered if its timer is still the current one for its key, which makes a cancelled or
/// replaced timer's message impossible to receive. Touched only from the actor's own turn.
/// </summary>
internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, ActorTimer> _timers = [];
    private int _generation;

    public void StartSingleTimer(object key, object msg, TimeSpan timeout) => Start(key, msg, timeout, Timeout.InfiniteTimeSpan);

    public void StartPeriodicTimer(object key, object msg, TimeSpan interval) => StartPeriodicTimer(key, msg, interval, interval);

    public void StartPeriodicTimer(object key, object msg, TimeSpan initialDelay, TimeSpan interval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        Start(key, msg, initialDelay, interval);
    }

    public bool IsTimerActive(object key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _timers.ContainsKey(key);
    }

    public void Cancel(object key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_timers.Remove(key, out var timer))
        {
            timer.Stop();
        }
    }

    public void CancelAll()
    {
        foreach (var timer in _timers.Values)
        {
            timer.Stop();
        }

        _timers.Clear();
    }

    /// <summary>True when <paramref name="timer"/>'s message should be delivered now; a single timer is then done.</summary>
    internal bool TryTake(ActorTimer timer)
    {
        if (!ReferenceEquals(timer.Owner, this)
            || !_timers.TryGetValue(timer.Key, out var current)
            || current.Generation != timer.Generation)
        {
            return false;
        }

        if (!timer.Periodic)
        {
            _timers.Remove(timer.Key);
            timer.Stop();
        }

        return true;
    }

    private void Start(object key, object msg, TimeSpan delay, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(msg);
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        Cancel(key);
        var timer = new ActorTimer(this, cell.SelfRef, key, msg, ++_generation, interval != Timeout.InfiniteTimeSpan);
        _timers[key] = timer;
        timer.Attach(cell.SystemImpl.Settings.TimeProvider.CreateTimer(ActorTimer.Fire, timer, delay, interval));
    }
}

/// <summary>One started timer; it is also the message its ticks send, so firing allocates nothing.</summary>
internal sealed class ActorTimer(TimerScheduler owner, LocalActorRef self, object key, object message, int generation, bool periodic)
    : IAutoReceivedMessage, INotInfluenceReceiveTimeout
{
    internal static readonly TimerCallback Fire = static state => ((ActorTimer)state!).Tick();

    private ITimer? _timer;
    private volatile bool _stopped;

    internal TimerScheduler Owner => owner;

    internal object Key => key;

    internal object Message => message;

    internal int Generation => generation;

    internal bool Periodic => periodic;

    internal void Attach(ITimer timer)
    {
        _timer = timer;
        if (_stopped)
        {
            timer.Dispose();
        }
    }

    internal void Stop()
    {
        _stopped = true;
        _timer?.Dispose();
    }

    public override string ToString() => $"Timer({key}: {message})";

    private void Tick()
    {
        if (!_stopped)
        {
            self.Tell(this, null);
        }
    }
}
