using Dispatch.Actors;
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
    private static readonly Action<Task<AttemptResult>, object?> Complete = static (task, state) =>
    {
        var (replyTo, ticket) = ((IActorRef, int))state!;
        replyTo.Tell(new AttemptFinished(ticket, Outcome(task)), null);
    };

    private readonly EndpointOptions _options;
    private readonly DispatchDependencies _dependencies;
    private readonly SessionHolder _holder;
    private EndpointSession? _session;

    public EndpointActor(EndpointOptions options, DispatchDependencies dependencies, SessionHolder holder)
    {
        _options = options;
        _dependencies = dependencies;
        _holder = holder;
        Receive<Invoke>(Send);
    }

    protected override void PreStart()
    {
        _session = new EndpointSession(_options, Context.System.Settings.TimeProvider, _dependencies.GetEnvironmentVariable);
        _dependencies.SessionOpened?.Invoke(_session);
        _holder.Open(_session);
    }

    protected override void PostStop()
    {
        _holder.Close();
        _session?.Dispose();
    }

    private void Send(Invoke invoke) => Start(_session!, invoke, Sender);

    /// <summary>Starts one attempt; its outcome is told to <paramref name="replyTo"/> as an <see cref="AttemptFinished"/>.</summary>
    internal static void Start(EndpointSession session, Invoke invoke, IActorRef replyTo)
    {
        Task<AttemptResult> task;
        try
        {
            task = session.SendAsync(invoke.Call, invoke.Attempt);
        }
        catch (Exception e)
        {
            task = Task.FromException<AttemptResult>(e);
        }

        if (task.IsCompleted) replyTo.Tell(new AttemptFinished(invoke.Ticket, Outcome(task)), null);
        else task.ContinueWith(Complete, (replyTo, invoke.Ticket), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static AttemptResult Outcome(Task<AttemptResult> task) =>
        task.IsCompletedSuccessfully
            ? task.Result
            // SendAsync classifies every upstream fault itself; what is left is the session
            // being closed under the attempt, which the executor treats as a cancellation.
            : AttemptResult.Failure(ErrorKind.Cancelled, "the endpoint's session was closed during the attempt");
}
