namespace Dispatch.Actors;

/// <summary>Request/response with actors: Ask, PipeTo and GracefulStop.</summary>
public static class Futures
{
    /// <summary>Sends <paramref name="message"/> and returns the reply.</summary>
    /// <remarks>
    /// A temporary ref (not an actor) is the sender. The task faults with <see cref="AskTimeoutException"/>
    /// after <paramref name="timeout"/> (null: <see cref="ActorSystemSettings.AskTimeout"/>, else forever),
    /// with the cause of a <see cref="Status.Failure"/> reply, or with <see cref="InvalidCastException"/>
    /// when the reply is not a <typeparamref name="T"/>; it is cancelled with <paramref name="cancellationToken"/>.
    /// A reply arriving after completion goes to dead letters.
    /// </remarks>
    public static Task<T> Ask<T>(this ICanTell self, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(message);
        var system = (self as InternalActorRef)?.System
            ?? throw new ArgumentException($"Ask needs a ref of a Dispatch ActorSystem; {self} has none.", nameof(self));
        var effective = timeout ?? system.Settings.AskTimeout ?? Timeout.InfiniteTimeSpan;
        if (effective <= TimeSpan.Zero && effective != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "An ask timeout must be positive.");
        }

        var promise = new PromiseActorRef<T>(system, (self as IActorRef)?.Path);
        promise.Start(effective, cancellationToken);
        self.Tell(message, promise);
        return promise.Task;
    }

    /// <summary>Sends <paramref name="message"/> and returns the reply, whatever its type.</summary>
    public static Task<object> Ask(this ICanTell self, object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        self.Ask<object>(message, timeout, cancellationToken);

    /// <summary>
    /// When <paramref name="task"/> completes, tells <paramref name="recipient"/> its result (mapped by
    /// <paramref name="success"/>) or a <see cref="Status.Failure"/> (or <paramref name="failure"/>'s mapping).
    /// </summary>
    public static async Task PipeTo<T>(
        this Task<T> task,
        ICanTell recipient,
        IActorRef? sender = null,
        Func<T, object>? success = null,
        Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        object reply;
        try
        {
            var result = await task.ConfigureAwait(false);
            reply = success is not null ? success(result) : (object?)result ?? new Status.Success(null);
        }
        catch (Exception e)
        {
            reply = failure is not null ? failure(e) : new Status.Failure(e);
        }

        recipient.Tell(reply, sender);
    }

    /// <summary>When <paramref name="task"/> completes, tells <paramref name="recipient"/> a <see cref="Status.Success"/> or a <see cref="Status.Failure"/>.</summary>
    public static async Task PipeTo(this Task task, ICanTell recipient, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        object reply;
        try
        {
            await task.ConfigureAwait(false);
            reply = new Status.Success(null);
        }
        catch (Exception e)
        {
            reply = new Status.Failure(e);
        }

        recipient.Tell(reply, sender);
    }

    /// <summary>
    /// Sends <see cref="PoisonPill"/> to <paramref name="target"/> and completes with true once it has
    /// stopped, or false if it has not within <paramref name="timeout"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is not positive.</exception>
    public static Task<bool> GracefulStop(this IActorRef target, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(target);
        var internalTarget = target as InternalActorRef;
        var system = internalTarget?.System
            ?? throw new ArgumentException($"GracefulStop needs a ref of a Dispatch ActorSystem; {target} has none.", nameof(target));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        var watcher = new StopWatcherRef(system);
        watcher.Start(timeout);
        internalTarget!.SendSystemMessage(new Watch(internalTarget, watcher));
        target.Tell(PoisonPill.Instance, null);
        return watcher.Task;
    }
}
