namespace Dispatch.Actors;

/// <summary>Something scheduled that can be called off.</summary>
public interface ICancelable
{
    /// <summary>True once <see cref="Cancel"/> was called.</summary>
    bool IsCancellationRequested { get; }

    /// <summary>Calls it off; a message not yet sent will not be sent. Idempotent.</summary>
    void Cancel();
}

/// <summary>Sends messages and runs actions later, on the system's <see cref="TimeProvider"/> (virtual time in tests).</summary>
public interface IScheduler
{
    /// <summary>The clock the scheduler runs on.</summary>
    TimeProvider TimeProvider { get; }

    /// <summary>The clock's current time.</summary>
    DateTimeOffset Now { get; }

    /// <summary>Tells <paramref name="message"/> to <paramref name="receiver"/> once, after <paramref name="delay"/>.</summary>
    ICancelable ScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef? sender);

    /// <summary>Tells <paramref name="message"/> to <paramref name="receiver"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    ICancelable ScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef? sender);

    /// <summary>Runs <paramref name="action"/> once after <paramref name="delay"/>, on a thread-pool thread (or the thread advancing a virtual clock); it must not touch actor state.</summary>
    ICancelable ScheduleOnce(TimeSpan delay, Action action);

    /// <summary>Runs <paramref name="action"/> after <paramref name="initialDelay"/>, then every <paramref name="interval"/>.</summary>
    ICancelable ScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action);
}
