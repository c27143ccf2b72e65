using Dispatch.Actors;

namespace Dispatch.Core.Breaker;

/// <summary>
/// The endpoint supervisor's strategy, and its circuit breaker: every upstream failure an
/// executor escalates (<see cref="UpstreamFailureException"/>) is recorded in the
/// <see cref="CircuitBreakerController"/> and the executor resumes with its state; any other
/// exception is a bug in a child, which is restarted (one-for-one, without limit) as Akka's
/// default decider says.
/// </summary>
/// <remarks>
/// The strategy runs on the supervisor's turn (supervision is a system message of the
/// supervisor's mailbox), so it may touch the supervisor's state through <paramref name="onEscalated"/>.
/// </remarks>
internal sealed class CircuitBreakerStrategy(CircuitBreakerController breaker, Action<IActorRef, UpstreamFailureException> onEscalated)
    : SupervisorStrategy
{
    /// <summary>The breaker's state machine.</summary>
    public CircuitBreakerController Breaker => breaker;

    /// <inheritdoc />
    public override bool HandleFailure(IActorContext context, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
    {
        if (cause is UpstreamFailureException failure)
        {
            onEscalated(child, failure);
            ResumeChild(child, cause);
            return true;
        }

        return base.HandleFailure(context, child, cause, stats, children);
    }

    /// <inheritdoc />
    protected override Directive Handle(IActorRef child, Exception cause) => DefaultDecider(cause);

    /// <inheritdoc />
    protected override void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (restart) RestartChild(child, cause, suspendFirst: false);
        else context.Stop(child);
    }
}
