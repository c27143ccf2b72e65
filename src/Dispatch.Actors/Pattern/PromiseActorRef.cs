namespace Dispatch.Actors;

/// <summary>The temporary sender of an Ask: a ref completing a task with the first reply, not an actor.</summary>
internal sealed class PromiseActorRef<T> : MinimalActorRef
{
    private readonly TaskCompletionSource<T> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ActorSystem _system;
    private readonly ActorPath? _target;
    private ITimer? _timer;
    private CancellationTokenRegistration _registration;

    internal PromiseActorRef(ActorSystem system, ActorPath? target)
        : base(system.NextTempPath())
    {
        _system = system;
        _target = target;
    }

    public override ActorSystem System => _system;

    internal Task<T> Task => _promise.Task;

    internal void Start(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            _timer = _system.Settings.TimeProvider.CreateTimer(
                static state => ((PromiseActorRef<T>)state!).TimedOut(),
                this,
                timeout,
                Timeout.InfiniteTimeSpan);
        }

        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.Register(static state => ((PromiseActorRef<T>)state!).Cancelled(), this);
        }

        if (_promise.Task.IsCompleted)
        {
            Cleanup();
        }
    }

    public override void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        bool completed;
        if (message is Status.Failure failure)
        {
            completed = _promise.TrySetException(failure.Cause);
        }
        else if (message is T typed)
        {
            completed = _promise.TrySetResult(typed);
        }
        else if (message is Status.Success { Status: T status })
        {
            completed = _promise.TrySetResult(status);
        }
        else
        {
            completed = _promise.TrySetException(new InvalidCastException(
                $"Ask of {_target} expected a reply of type {typeof(T).FullName} but got {message.GetType().FullName}: {message}"));
        }

        if (completed)
        {
            Cleanup();
        }
        else
        {
            _system.DeadLettersRef.Publish(new DeadLetter(message, sender, this, "reply arrived after the ask completed"));
        }
    }

    private void TimedOut()
    {
        if (_promise.TrySetException(new AskTimeoutException($"Ask of {_target} timed out: no reply of type {typeof(T).Name} arrived in time.")))
        {
            Cleanup();
        }
    }

    private void Cancelled()
    {
        if (_promise.TrySetCanceled())
        {
            Cleanup();
        }
    }

    private void Cleanup()
    {
        _timer?.Dispose();
        _registration.Dispose();
    }
}

/// <summary>Watches an actor for GracefulStop and completes when it has stopped.</summary>
internal sealed class StopWatcherRef : MinimalActorRef
{
    private readonly TaskCompletionSource<bool> _promise = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ActorSystem _system;
    private ITimer? _timer;

    internal StopWatcherRef(ActorSystem system)
        : base(system.NextTempPath()) => _system = system;

    public override ActorSystem System => _system;

    internal Task<bool> Task => _promise.Task;

    internal void Start(TimeSpan timeout)
    {
        var timer = _system.Settings.TimeProvider.CreateTimer(
            static state => ((StopWatcherRef)state!).Complete(false),
            this,
            timeout,
            Timeout.InfiniteTimeSpan);
        _timer = timer;

        // A virtual clock may have fired it already, before it was stored.
        if (_promise.Task.IsCompleted)
        {
            timer.Dispose();
        }
    }

    public override void Tell(object message, IActorRef? sender)
    {
    }

    internal override void SendSystemMessage(SystemMessage message)
    {
        if (message is DeathWatchNotification)
        {
            Complete(true);
        }
    }

    private void Complete(bool stopped)
    {
        if (_promise.TrySetResult(stopped))
        {
            _timer?.Dispose();
        }
    }
}
