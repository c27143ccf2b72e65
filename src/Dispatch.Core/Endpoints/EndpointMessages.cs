using Akka.Actor;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Endpoints;

/// <summary>
/// Executor → endpoint: make one HTTP attempt; the outcome goes back to the sender as an
/// <c>AttemptFinished</c> to <paramref name="ReplyTo"/>. <paramref name="Attempt"/> is the executor's
/// reusable token source (see <see cref="EndpointSession.Send{TState}"/>); <paramref name="Number"/> counts the call's attempts from 1.
/// </summary>
internal sealed record Invoke(APICalling Call, int Ticket, CancellationTokenSource Attempt, IActorRef ReplyTo, int Number);

/// <summary>Dispatch → supervisor: finish what is accepted by <paramref name="Until"/>, then cancel the rest and answer <see cref="EndpointDrained"/>.</summary>
internal sealed record DrainEndpoint(DateTimeOffset Until);

/// <summary>Supervisor → dispatch: the endpoint has no call left.</summary>
internal sealed record EndpointDrained(string Endpoint, int Completed, int Cancelled);

/// <summary>Supervisor timers.</summary>
internal enum SupervisorTimer
{
    /// <summary>A queued call's deadline is due.</summary>
    Sweep,

    /// <summary>The open breaker may let a probe through.</summary>
    Breaker,

    /// <summary>The drain's time is up.</summary>
    Drain,
}

/// <summary>A supervisor timer's message (one instance per kind, so a tick allocates nothing).</summary>
internal sealed record SupervisorTick(SupervisorTimer Timer)
{
    public static readonly SupervisorTick Sweep = new(SupervisorTimer.Sweep);
    public static readonly SupervisorTick Breaker = new(SupervisorTimer.Breaker);
    public static readonly SupervisorTick Drain = new(SupervisorTimer.Drain);
}

/// <summary>What a supervisor knows about the caller of a busy executor's call.</summary>
internal readonly record struct BusyExecutor(IActorRef Executor, Execution.PendingCall Call);
