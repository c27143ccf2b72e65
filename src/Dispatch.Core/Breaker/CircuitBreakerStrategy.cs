using Akka.Actor;

namespace Dispatch.Core.Breaker;

/// <summary>
/// The endpoint supervisor's strategy, and its circuit breaker: every upstream failure an
/// executor escalates (<see cref="UpstreamFailureException"/>) is recorded in the
/// <see cref="CircuitBreakerController"/> and the executor resumes with its state; any other
/// exception is a bug in a child, which is restarted (one-for-one, without limit) as Akka's
/// default decider says.
/// </summary>
/// <remarks>
/// Akka asks the strategy for a directive on the supervisor's turn (a child's failure is a
/// system message in the supervisor's mailbox), so <paramref name="onEscalated"/> may touch the
/// supervisor's state.
/// </remarks>
internal sealed class CircuitBreakerStrategy(CircuitBreakerController breaker, Action<IActorRef, UpstreamFailureException> onEscalated)
    : OneForOneStrategy(DefaultDecider)
{
    /// <summary>The breaker's state machine.</summary>
    public CircuitBreakerController Breaker => breaker;

    /// <inheritdoc />
    protected override Directive Handle(IActorRef child, Exception exception)
    {
        if (exception is not UpstreamFailureException failure) return base.Handle(child, exception);
        onEscalated(child, failure);
        return Directive.Resume;
    }

    /// <inheritdoc />
    protected override void LogFailure(IActorContext context, IActorRef child, Exception cause, Directive directive)
    {
        // An upstream failure is an outcome the breaker counts, not a fault of the child.
        if (cause is not UpstreamFailureException) base.LogFailure(context, child, cause, directive);
    }
}
