using Microsoft.Extensions.Logging;

namespace Dispatch.Actors;

/// <summary>
/// How a parent handles its children's failures. Extend it to build custom policies (a circuit
/// breaker, for instance): override <see cref="Handle"/> to decide, <see cref="ProcessFailure"/>
/// to act, and <see cref="HandleChildTerminated"/> to track children.
/// </summary>
public abstract class SupervisorStrategy
{
    /// <summary>Creates a strategy.</summary>
    protected SupervisorStrategy()
    {
    }

    /// <summary>One-for-one, unlimited restarts, with <see cref="DefaultDecider"/>.</summary>
    public static SupervisorStrategy DefaultStrategy { get; } = new OneForOneStrategy(DefaultDecider);

    /// <summary>One-for-one, stopping any failed child.</summary>
    public static SupervisorStrategy StoppingStrategy { get; } = new OneForOneStrategy(static _ => Directive.Stop);

    /// <summary>Whether failures are logged. Default: true.</summary>
    protected virtual bool LoggingEnabled => true;

    /// <summary>Akka's default: stop on <see cref="ActorInitializationException"/>, <see cref="ActorKilledException"/> and <see cref="DeathPactException"/>; restart on any other exception.</summary>
    public static Directive DefaultDecider(Exception cause) => cause switch
    {
        ActorInitializationException or ActorKilledException or DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    };

    /// <summary>Decides what to do about <paramref name="child"/> failing with <paramref name="cause"/>.</summary>
    protected abstract Directive Handle(IActorRef child, Exception cause);

    /// <summary>Carries out a restart or stop decision for the failed child (and, for all-for-one strategies, its siblings).</summary>
    protected abstract void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children);

    /// <summary>Called when a child has stopped. Default: nothing.</summary>
    public virtual void HandleChildTerminated(IActorContext context, IActorRef child, IReadOnlyCollection<IActorRef> children)
    {
    }

    /// <summary>Handles a child's failure; returns false when it escalates.</summary>
    public virtual bool HandleFailure(IActorContext context, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
    {
        ArgumentNullException.ThrowIfNull(context);
        var directive = Handle(child, cause);
        if (LoggingEnabled && directive != Directive.Escalate)
        {
            LogFailure(context, child, cause, directive);
        }

        switch (directive)
        {
            case Directive.Resume:
                ResumeChild(child, cause);
                return true;
            case Directive.Restart:
                ProcessFailure(context, true, child, cause, stats, children);
                return true;
            case Directive.Stop:
                ProcessFailure(context, false, child, cause, stats, children);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Logs a child's failure with the chosen directive.</summary>
    protected virtual void LogFailure(IActorContext context, IActorRef child, Exception cause, Directive directive)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(child);
        context.Log.LogError(cause, "Child {Child} failed; directive {Directive}", child.Path, directive);
    }

    /// <summary>Lets a suspended failed child go on with its next message.</summary>
    protected static void ResumeChild(IActorRef child, Exception cause) => AsInternal(child).SendSystemMessage(new Resume(cause));

    /// <summary>Restarts <paramref name="child"/>; <paramref name="suspendFirst"/> suspends a child that did not fail itself.</summary>
    protected static void RestartChild(IActorRef child, Exception cause, bool suspendFirst)
    {
        var target = AsInternal(child);
        if (suspendFirst)
        {
            target.SendSystemMessage(Suspend.Instance);
        }

        target.SendSystemMessage(new Recreate(cause));
    }

    private static InternalActorRef AsInternal(IActorRef child)
    {
        ArgumentNullException.ThrowIfNull(child);
        return child as InternalActorRef ?? throw new ArgumentException($"{child} is not an actor of a Dispatch ActorSystem.", nameof(child));
    }
}
