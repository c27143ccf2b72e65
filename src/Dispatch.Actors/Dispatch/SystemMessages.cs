namespace Dispatch.Actors;

/// <summary>Kernel messages: they bypass user-message suspension and are processed first.</summary>
internal abstract class SystemMessage;

internal sealed class Create : SystemMessage
{
    internal static readonly Create Instance = new();
}

internal sealed class Recreate(Exception cause) : SystemMessage
{
    internal Exception Cause { get; } = cause;
}

internal sealed class Suspend : SystemMessage
{
    internal static readonly Suspend Instance = new();
}

internal sealed class Resume(Exception? causedByFailure) : SystemMessage
{
    internal Exception? CausedByFailure { get; } = causedByFailure;
}

internal sealed class Terminate : SystemMessage
{
    internal static readonly Terminate Instance = new();
}

internal sealed class Watch(InternalActorRef watchee, InternalActorRef watcher) : SystemMessage
{
    internal InternalActorRef Watchee { get; } = watchee;

    internal InternalActorRef Watcher { get; } = watcher;
}

internal sealed class Unwatch(InternalActorRef watchee, InternalActorRef watcher) : SystemMessage
{
    internal InternalActorRef Watchee { get; } = watchee;

    internal InternalActorRef Watcher { get; } = watcher;
}

internal sealed class DeathWatchNotification(IActorRef actor, bool existenceConfirmed) : SystemMessage
{
    internal IActorRef Actor { get; } = actor;

    internal bool ExistenceConfirmed { get; } = existenceConfirmed;
}

internal sealed class Failed(IActorRef child, Exception cause) : SystemMessage
{
    internal IActorRef Child { get; } = child;

    internal Exception Cause { get; } = cause;
}

/// <summary>A continuation of an actor's async handler, run inside the actor.</summary>
internal sealed class RunContinuation(SendOrPostCallback callback, object? state) : SystemMessage
{
    internal SendOrPostCallback Callback { get; } = callback;

    internal object? State { get; } = state;
}

/// <summary>An actor's async handler finished; user messages may flow again.</summary>
internal sealed class AsyncHandlerCompleted(Task task) : SystemMessage
{
    internal Task Task { get; } = task;
}
