using Akka.Actor;
using Dispatch.Core.Endpoints;
using Dispatch.Core.Execution;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Dispatching;

/// <summary>
/// Dispatch's front actor: routes each <see cref="APICalling"/> by endpoint name to that
/// endpoint's supervisor (one child per configured endpoint), keeping the caller as the sender
/// so the one <see cref="APICallResult"/> goes straight back to it. Also answers
/// <see cref="GetStatus"/>, routes <see cref="CancelCall"/>, and runs a <see cref="Drain"/>.
/// </summary>
/// <remarks>
/// <para>
/// Messages: <see cref="APICalling"/> (Tell or Ask) → exactly one <see cref="APICallResult"/> to
/// the sender (a call without a sender is processed all the same); every final result is also
/// published on the event stream as <see cref="CallFinished"/>, breaker changes as
/// <see cref="BreakerStateChanged"/>. A call to an unknown endpoint is answered
/// <see cref="CallStatus.Rejected"/>/<see cref="ErrorKind.InvalidRequest"/> naming it.
/// <see cref="CancelCall"/> ends a call <see cref="CallStatus.Cancelled"/> wherever it is.
/// <see cref="GetStatus"/> → <see cref="DispatchStatus"/>, or a <see cref="StatusSnapshot"/> when it
/// names an endpoint (a <see cref="Status.Failure"/> when that endpoint is unknown).
/// <see cref="Drain"/> → <see cref="DrainCompleted"/> once every accepted call has its result.
/// </para>
/// <para>
/// Time is the actor system's scheduler (<c>Scheduler.Now</c>, actor timers), so Akka's <c>TestScheduler</c> drives it. Stopping this actor (or the system) answers
/// every call it holds <see cref="CallStatus.Cancelled"/>; a call still in a mailbox when its
/// actor stopped is answered the same way from the dead letters.
/// </para>
/// </remarks>
public sealed class DispatchActor : ReceiveActor
{
    private readonly DispatchOptions _options;
    private readonly DispatchDependencies _dependencies;
    private readonly Dictionary<string, IActorRef> _endpoints = new(StringComparer.Ordinal);
    private IActorRef? _drainRequester;
    private int _drainsPending;
    private int _drainedCompleted;
    private int _drainedCancelled;
    private bool _draining;

    internal DispatchActor(DispatchOptions options, DispatchDependencies dependencies)
    {
        _options = options;
        _dependencies = dependencies;
        Receive<APICalling>(Route);
        Receive<CancelCall>(Cancel);
        Receive<GetStatus>(Status);
        Receive<Drain>(StartDrain);
        Receive<EndpointDrained>(Drained);
        Receive<GetRoutes>(_ => Sender.Tell(new EndpointRoutes(_draining ? new Dictionary<string, IActorRef>() : new Dictionary<string, IActorRef>(_endpoints)), Self));
    }

    /// <summary>Why a call is refused once a drain has begun (here, or at an endpoint a client reached directly).</summary>
    internal const string ShuttingDown = "the node is shutting down and accepts no new calls";

    /// <summary>Props for a DispatchActor over these endpoints.</summary>
    /// <param name="options">The endpoints and their policies; validated here.</param>
    /// <param name="dependencies">Environment, randomness, token estimation and credit source; <see langword="null"/> for the defaults.</param>
    /// <exception cref="DispatchOptionsException">An option is invalid; the message names it.</exception>
    public static Props Props(DispatchOptions options, DispatchDependencies? dependencies = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var effective = dependencies ?? new DispatchDependencies();
        // Akka's Props.Create(() => new ...) activates through a public constructor, and this one is
        // internal (options must go through Validate above): a producer calls it instead.
        return Akka.Actor.Props.CreateBy(new Producer(options, effective));
    }

    /// <inheritdoc />
    protected override void PreStart()
    {
        DeadLetterRescuer.Start(Context.System, Self.Path);
        StartEndpoints();
    }

    /// <inheritdoc />
    protected override void PostRestart(Exception reason)
    {
        // The rescuer from the first start lives on (it is a system actor); the endpoints were stopped with the old instance.
        StartEndpoints();
    }

    private void StartEndpoints()
    {
        foreach (var (name, endpoint) in _options.Endpoints.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            // Seeds are drawn here, on one thread, so a seeded Random gives repeatable runs.
            var seed = _dependencies.Random.Next();
            var dependencies = _dependencies;
            var childName = ActorPath.IsValidPathElement(name) ? name : null;
            _endpoints[name] = Context.ActorOf(Akka.Actor.Props.Create(() => new EndpointSupervisor(endpoint, dependencies, seed)), childName);
        }
    }

    private void Route(APICalling call)
    {
        if (_draining)
        {
            Refuse(call, APICallResult.Rejected(call.CallId, ErrorKind.Cancelled, ShuttingDown));
            return;
        }

        if (call.Endpoint is not null && _endpoints.TryGetValue(call.Endpoint, out var endpoint))
        {
            endpoint.Tell(call, Sender);
            return;
        }

        Refuse(call, CallAdmission.UnknownEndpoint(call, _endpoints.Keys));
    }

    private void Refuse(APICalling call, APICallResult result) =>
        FinalResult.Deliver(Context.System, call.Endpoint ?? "", FinalResult.ReplyTo(Context), result, Self);

    private void Cancel(CancelCall cancel)
    {
        if (cancel.Endpoint is not null)
        {
            if (_endpoints.TryGetValue(cancel.Endpoint, out var endpoint)) endpoint.Tell(cancel, Sender);
            return;
        }

        foreach (var endpoint in _endpoints.Values) endpoint.Tell(cancel, Sender);
    }

    private void Status(GetStatus status)
    {
        if (status.Endpoint is not null)
        {
            if (_endpoints.TryGetValue(status.Endpoint, out var endpoint)) endpoint.Tell(status, Sender);
            else Sender.Tell(new Status.Failure(new KeyNotFoundException($"unknown endpoint '{status.Endpoint}'")), Self);
            return;
        }

        var replyTo = Sender;
        var time = Context.System.Scheduler;
        var asks = _endpoints.Keys.Order(StringComparer.Ordinal)
            .Select(name => _endpoints[name].Ask<StatusSnapshot>(new GetStatus(name)))
            .ToArray();
        _ = Task.WhenAll(asks).PipeTo(replyTo, Self, snapshots => new DispatchStatus(time.Now, snapshots));
    }

    private void StartDrain(Drain drain)
    {
        _draining = true;
        _drainRequester = Sender;
        _drainsPending = _endpoints.Count;
        _drainedCompleted = 0;
        _drainedCancelled = 0;
        var until = Context.System.Scheduler.Now + drain.Timeout;
        foreach (var endpoint in _endpoints.Values) endpoint.Tell(new DrainEndpoint(until), Self);
        if (_drainsPending == 0) FinishDrain();
    }

    private void Drained(EndpointDrained drained)
    {
        _drainedCompleted += drained.Completed;
        _drainedCancelled += drained.Cancelled;
        if (--_drainsPending == 0) FinishDrain();
    }

    private void FinishDrain()
    {
        var requester = _drainRequester;
        _drainRequester = null;
        if (requester is not null && !ReferenceEquals(requester, Context.System.DeadLetters))
            requester.Tell(new DrainCompleted(_drainedCompleted, _drainedCancelled), Self);
    }

    /// <summary>Creates the actor for <see cref="Props(DispatchOptions, DispatchDependencies?)"/>.</summary>
    private sealed class Producer(DispatchOptions options, DispatchDependencies dependencies) : IIndirectActorProducer
    {
        public Type ActorType => typeof(DispatchActor);

        public ActorBase Produce() => new DispatchActor(options, dependencies);

        public void Release(ActorBase actor)
        {
        }
    }
}
