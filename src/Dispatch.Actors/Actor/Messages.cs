namespace Dispatch.Actors;

/// <summary>Messages the kernel handles itself before the actor's behavior sees them.</summary>
internal interface IAutoReceivedMessage;

/// <summary>Messages that do not reset an actor's receive timeout.</summary>
public interface INotInfluenceReceiveTimeout;

/// <summary>Stops the actor that receives it, after the messages queued before it.</summary>
public sealed class PoisonPill : IAutoReceivedMessage
{
    private PoisonPill()
    {
    }

    /// <summary>The single instance.</summary>
    public static PoisonPill Instance { get; } = new();

    /// <inheritdoc />
    public override string ToString() => "<PoisonPill>";
}

/// <summary>Makes the receiving actor fail with <see cref="ActorKilledException"/>; its supervisor decides what follows (by default: stop).</summary>
public sealed class Kill : IAutoReceivedMessage
{
    private Kill()
    {
    }

    /// <summary>The single instance.</summary>
    public static Kill Instance { get; } = new();

    /// <inheritdoc />
    public override string ToString() => "<Kill>";
}

/// <summary>Sent to an actor that set a receive timeout and received nothing for that long.</summary>
public sealed class ReceiveTimeout
{
    private ReceiveTimeout()
    {
    }

    /// <summary>The single instance.</summary>
    public static ReceiveTimeout Instance { get; } = new();

    /// <inheritdoc />
    public override string ToString() => "<ReceiveTimeout>";
}

/// <summary>Tells a watcher that the actor it watched has stopped.</summary>
/// <param name="ActorRef">The stopped actor.</param>
/// <param name="ExistenceConfirmed">False when the actor was already gone (or never existed) when the watch began.</param>
public sealed record Terminated(IActorRef ActorRef, bool ExistenceConfirmed) : IAutoReceivedMessage, INotInfluenceReceiveTimeout;

/// <summary>Replies that carry an outcome rather than a value (Akka's <c>Status</c>).</summary>
public abstract class Status
{
    private Status()
    {
    }

    /// <summary>A successful outcome carrying an optional value.</summary>
    public sealed class Success : Status
    {
        /// <summary>Creates a success carrying <paramref name="status"/>.</summary>
        public Success(object? status) => Status = status;

        /// <summary>The value carried.</summary>
        public object? Status { get; }

        /// <inheritdoc />
        public override string ToString() => $"Success: {Status}";
    }

    /// <summary>A failed outcome; an Ask receiving it faults with <see cref="Cause"/>.</summary>
    public sealed class Failure : Status
    {
        /// <summary>Creates a failure caused by <paramref name="cause"/>.</summary>
        public Failure(Exception cause, object? state = null)
        {
            ArgumentNullException.ThrowIfNull(cause);
            Cause = cause;
            State = state;
        }

        /// <summary>Why it failed.</summary>
        public Exception Cause { get; }

        /// <summary>Optional context for the failure.</summary>
        public object? State { get; }

        /// <inheritdoc />
        public override string ToString() => $"Failure: {Cause.GetType().Name}: {Cause.Message}";
    }
}
