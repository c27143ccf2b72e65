using Akka.Actor;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Execution;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Endpoints;

/// <summary>
/// Owns an endpoint's HTTP session: opens it in <c>PreStart</c>, closes it in <c>PostStop</c>
/// (on every path: stop, restart, failure). Each <see cref="Invoke"/> starts one attempt and
/// returns at once; the attempt's outcome is told straight to the executor that asked, so the
/// mailbox never waits on I/O. Closing the session aborts attempts still running. While open,
/// the session is also lent to the executors through a <see cref="SessionHolder"/> so their
/// attempts do not queue in this mailbox (see there).
/// </summary>
internal sealed class EndpointActor : ReceiveActor
{
    // The executor's turn runs on the thread that completed the attempt, when that thread runs no actor.
    private static readonly Action<AttemptResult, Invoke> Reply = static (result, invoke) =>
        CompletingThreadExecutor.Tell(invoke.ReplyTo, new AttemptFinished(invoke.Ticket, result));

    private readonly EndpointOptions _options;
    private readonly DispatchDependencies _dependencies;
    private readonly SessionHolder _holder;
    private readonly TimeProvider _time;
    private EndpointSession? _session;

    public EndpointActor(EndpointOptions options, DispatchDependencies dependencies, SessionHolder holder, TimeProvider time)
    {
        _time = time;
        _options = options;
        _dependencies = dependencies;
        _holder = holder;
        Receive<Invoke>(Send);
    }

    protected override void PreStart()
    {
        _session = new EndpointSession(_options, _time, _dependencies.GetEnvironmentVariable);
        _dependencies.SessionOpened?.Invoke(_session);
        _holder.Open(_session);
    }

    protected override void PostStop()
    {
        _holder.Close();
        _session?.Dispose();
    }

    private void Send(Invoke invoke) => Start(_session!, invoke);

    /// <summary>Starts one attempt; its outcome is told to the invoker as an <see cref="AttemptFinished"/>.</summary>
    internal static void Start(EndpointSession session, Invoke invoke)
    {
        try
        {
            session.Send(invoke.Call, invoke.Attempt, Reply, invoke, invoke.Number);
        }
        catch (ObjectDisposedException)
        {
            // The session was closed between the executor finding it and the attempt starting;
            // the executor treats this as a cancellation.
            Reply(AttemptResult.Failure(ErrorKind.Cancelled, "the endpoint's session was closed during the attempt"), invoke);
        }
    }
}
