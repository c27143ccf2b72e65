using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Dispatch.SysMsg;
using Dispatch.Core.Execution;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Dispatching;

/// <summary>
/// Sends calls to a <see cref="DispatchActor"/> from code outside the actor system (a web request,
/// a batch loop) and hands back each call's one <see cref="APICallResult"/> as a task. It does what
/// <c>Ask</c> does, for many calls at once: one reply reference, registered once with the actor
/// system, matches every result to its waiting call by call id, where <c>Ask</c> registers a
/// temporary actor, a path and a continuation for each call (about 0.8 KB and 1 µs each, measured
/// in tests/Dispatch.Benchmarks). Actors should Tell the <see cref="DispatchActor"/> instead.
/// </summary>
/// <remarks>
/// Once the Dispatch actor has told it which actor serves each endpoint, the client sends a call (and
/// its cancellation) straight to that endpoint, saving every call a hop through the Dispatch actor's
/// mailbox (see tests/Dispatch.Benchmarks/RESULTS.md); until then, for an endpoint it does not know,
/// and when an endpoint's actor has stopped (it asks again), it sends to the Dispatch actor.
/// Behaviour is the same either way: a draining node's endpoints refuse new calls as the Dispatch actor does.
/// </remarks>
/// <remarks>
/// Thread-safe. Call ids must be unique among the calls this client has waiting; a second call
/// under a waiting id is answered <see cref="CallStatus.Rejected"/> at once without being sent.
/// Cancelling a call's token tells Dispatch <see cref="CancelCall"/>; the task then completes with
/// the call's <see cref="CallStatus.Cancelled"/> result (or whatever result came first).
/// Disposing the client answers every call still waiting <see cref="CallStatus.Cancelled"/>.
/// A call's task completes outside any actor's turn: on the thread that completed the call's last
/// HTTP attempt, as after a plain <c>HttpClient</c> call, or else on the thread pool.
/// </remarks>
public sealed class DispatchClient : IDisposable
{
    private readonly IActorRef _dispatch;
    private readonly ReplyRef _replies;

    /// <summary>A client of the <see cref="DispatchActor"/> <paramref name="dispatch"/> in <paramref name="system"/>.</summary>
    /// <param name="system">The actor system the Dispatch actor runs in.</param>
    /// <param name="dispatch">The Dispatch actor.</param>
    public DispatchClient(ActorSystem system, IActorRef dispatch)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(dispatch);
        _dispatch = dispatch;
        var provider = ((ExtendedActorSystem)system).Provider;
        _replies = new ReplyRef(provider, provider.TempPath(), dispatch);
        provider.RegisterTempActor(_replies, _replies.Path);
        _replies.AskForRoutes();
    }

    /// <summary>The number of calls sent and not yet answered.</summary>
    public int Waiting => _replies.Waiters.Count;

    /// <summary>Sends a call; the task completes with its one final result.</summary>
    /// <param name="call">The call.</param>
    /// <param name="cancellationToken">Cancels the call (Dispatch answers it <see cref="CallStatus.Cancelled"/> unless it finished first).</param>
    public Task<APICallResult> SendAsync(APICalling call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        ObjectDisposedException.ThrowIf(_replies.IsTerminated, this);
        var waiter = new Waiter();
        if (!_replies.Waiters.TryAdd(call.CallId, waiter))
            return Task.FromResult(APICallResult.Rejected(call.CallId, ErrorKind.InvalidRequest, $"a call with id '{call.CallId}' is already waiting for its result on this client"));

        // A cancellation goes the call's way, so it cannot overtake the call.
        var target = _replies.RouteFor(call.Endpoint);
        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(
                static (state, _) => { var (d, c) = ((IActorRef, CancelCall))state!; d.Tell(c, ActorRefs.NoSender); },
                (target, new CancelCall(call.CallId, call.Endpoint)));
        }

        target.Tell(call, _replies);
        return waiter.Task;
    }

    /// <summary>Stops taking replies; calls still waiting are answered <see cref="CallStatus.Cancelled"/>.</summary>
    public void Dispose()
    {
        if (!_replies.Close()) return;
        _replies.Provider.UnregisterTempActor(_replies.Path);
        foreach (var (callId, waiter) in _replies.Waiters)
        {
            if (_replies.Waiters.TryRemove(callId, out _)) waiter.Complete(APICallResult.Cancelled(callId, "the Dispatch client was disposed before the call's result arrived"));
        }
    }

    /// <summary>
    /// A call waiting for its result. Its task completes, and the caller's continuation runs, never
    /// inside the replying actor's turn: after it, on the thread that completed the call's HTTP attempt
    /// (<see cref="CompletingThreadExecutor.RunAfterTurn"/>), or else as a thread-pool work item.
    /// </summary>
    private sealed class Waiter : TaskCompletionSource<APICallResult>, IThreadPoolWorkItem
    {
        private APICallResult? _result;

        public CancellationTokenRegistration Registration { get; set; }

        public void Complete(APICallResult result)
        {
            Registration.Dispose();
            _result = result;
            CompletingThreadExecutor.RunAfterTurn(this);
        }

        void IThreadPoolWorkItem.Execute() => TrySetResult(_result!);
    }

    /// <summary>The reply reference every call is sent with: a result completes its waiter on the replying thread, with no mailbox in between.</summary>
    private sealed class ReplyRef(IActorRefProvider provider, ActorPath path, IActorRef dispatch) : MinimalActorRef
    {
        private int _closed;
        private IReadOnlyDictionary<string, IActorRef>? _routes;
        private int _routesAsked;

        public ConcurrentDictionary<string, Waiter> Waiters { get; } = new(StringComparer.Ordinal);

        public override ActorPath Path { get; } = path;

        public override IActorRefProvider Provider { get; } = provider;

        public override bool IsTerminated => Volatile.Read(ref _closed) != 0;

        public bool Close() => Interlocked.Exchange(ref _closed, 1) == 0;

        /// <summary>The actor serving <paramref name="endpoint"/>, or the Dispatch actor when none is known.</summary>
        public IActorRef RouteFor(string? endpoint) =>
            endpoint is not null && Volatile.Read(ref _routes) is { } routes && routes.TryGetValue(endpoint, out var route) ? route : dispatch;

        public void AskForRoutes()
        {
            if (Interlocked.Exchange(ref _routesAsked, 1) == 0) dispatch.Tell(GetRoutes.Instance, this);
        }

        /// <summary>Watches the routes as an Ask's reference watches its target: an endpoint actor that stops (the Dispatch actor restarted or stopped) drops them, and they are asked for again.</summary>
        public override void SendSystemMessage(ISystemMessage message)
        {
            if (message is not DeathWatchNotification || IsTerminated) return;
            Volatile.Write(ref _routes, null);
            AskForRoutes();
        }

        protected override void TellInternal(object message, IActorRef sender)
        {
            switch (message)
            {
                case APICallResult result when Waiters.TryRemove(result.CallId, out var waiter):
                    waiter.Complete(result);
                    break;
                case EndpointRoutes routes:
                    Volatile.Write(ref _routes, routes.Endpoints);
                    Volatile.Write(ref _routesAsked, 0);
                    // Watched after they are in use: one that has already stopped is reported at once, and drops them again.
                    foreach (var route in routes.Endpoints.Values) ((IInternalActorRef)route).SendSystemMessage(new Watch((IInternalActorRef)route, this));
                    break;
            }
        }
    }
}
