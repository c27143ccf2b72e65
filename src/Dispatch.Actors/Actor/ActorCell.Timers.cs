namespace Dispatch.Actors;

/// <summary>Receive timeout and actor timers.</summary>
internal sealed partial class ActorCell
{
    private TimeSpan? _receiveTimeout;
    private ITimer? _receiveTimeoutTimer;
    private TimerScheduler? _timers;

    public TimeSpan? ReceiveTimeout => _receiveTimeout;

    public void SetReceiveTimeout(TimeSpan? timeout)
    {
        if (timeout is null || timeout == Timeout.InfiniteTimeSpan)
        {
            _receiveTimeout = null;
            _receiveTimeoutTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout.Value, TimeSpan.Zero, nameof(timeout));
        _receiveTimeout = timeout;
        if (_receiveTimeoutTimer is null)
        {
            _receiveTimeoutTimer = SystemImpl.Settings.TimeProvider.CreateTimer(
                static state => ((LocalActorRef)state!).Tell(Actors.ReceiveTimeout.Instance, null),
                SelfRef,
                timeout.Value,
                Timeout.InfiniteTimeSpan);
        }
        else
        {
            RestartReceiveTimeout();
        }
    }

    private void RestartReceiveTimeout() => _receiveTimeoutTimer?.Change(_receiveTimeout!.Value, Timeout.InfiniteTimeSpan);

    private void CancelTimersAndReceiveTimeout()
    {
        _timers?.CancelAll();
        _receiveTimeout = null;
        _receiveTimeoutTimer?.Dispose();
        _receiveTimeoutTimer = null;
    }
}
