namespace Dispatch.Actors;

/// <summary>
/// An actor's own named timers. A timer's message arrives as an ordinary message; a cancelled or
/// replaced timer's message is never received, even if it was already queued. Timers are
/// cancelled when the actor restarts or stops. Use only from within the actor.
/// </summary>
public interface ITimerScheduler
{
    /// <summary>Sends <paramref name="msg"/> to the actor once after <paramref name="timeout"/>; replaces any timer with the same key.</summary>
    void StartSingleTimer(object key, object msg, TimeSpan timeout);

    /// <summary>Sends <paramref name="msg"/> to the actor every <paramref name="interval"/>; replaces any timer with the same key.</summary>
    void StartPeriodicTimer(object key, object msg, TimeSpan interval);

    /// <summary>Sends <paramref name="msg"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>; replaces any timer with the same key.</summary>
    void StartPeriodicTimer(object key, object msg, TimeSpan initialDelay, TimeSpan interval);

    /// <summary>True while the timer with <paramref name="key"/> is running (a single timer stops being active once its message is received).</summary>
    bool IsTimerActive(object key);

    /// <summary>Cancels the timer with <paramref name="key"/>, if any.</summary>
    void Cancel(object key);

    /// <summary>Cancels every timer.</summary>
    void CancelAll();
}

/// <summary>An actor that uses timers; the kernel sets <see cref="Timers"/> before the constructor's caller sees the actor.</summary>
public interface IWithTimers
{
    /// <summary>The actor's timers.</summary>
    ITimerScheduler Timers { get; set; }
}
