using Akka.Actor;
using Dispatch.Core.Breaker;
using Dispatch.Core.Caching;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Execution;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.Queue;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Timing;

namespace Dispatch.Core.Endpoints;

/// <summary>
/// One endpoint: the front door (<see cref="CallAdmission"/>), the bounded <see cref="CallQueue{T}"/>,
/// and the parent of its rate limiter, endpoint actor and N executors. Its supervisor strategy is
/// the circuit breaker (<see cref="CircuitBreakerStrategy"/>). Idle executors pull work; a call
/// is handed out only when the breaker lets it through, so nothing is sent and no credit is
/// spent while it is open.
/// </summary>
/// <remarks>
/// Every accepted call gets one final result: answered here (admission, queue full, circuit
/// open, cancelled or timed out while queued, drain), or by the executor holding it. When the
/// endpoint stops, executors answer what they hold in their <c>PostStop</c> and this actor
/// answers what is queued, and anything handed out but never picked up, in its own.
/// </remarks>
internal sealed partial class EndpointSupervisor : ReceiveActor, IWithTimers
{
    private readonly EndpointOptions _options;
    private readonly DispatchDependencies _dependencies;
    private readonly Random _random;
    private readonly CallAdmission _admission;
    private readonly CallQueue<PendingCall> _queue;
    private readonly Stack<IActorRef> _idle = new();
    private readonly Dictionary<string, BusyExecutor> _busy = new(StringComparer.Ordinal);
    private readonly List<PendingCall> _expired = [];
    private readonly EndpointCounters _counters = new();
    private readonly CircuitBreakerStrategy _strategy;
    private readonly ICreditSource _credits;
    private IActorRef _limiter = ActorRefs.Nobody;
    private DateTimeOffset? _sweepAt;
    private long _accepted;

    public EndpointSupervisor(EndpointOptions options, DispatchDependencies dependencies, int seed)
    {
        _options = options;
        _dependencies = dependencies;
        _random = new Random(seed);
        var cache = options.Cache.MaxEntries > 0 ? new ResponseCache(options.Cache) : null;
        _admission = new CallAdmission(options, dependencies.TokenEstimator, cache);
        _queue = new CallQueue<PendingCall>(options.Queue.Capacity);
        _credits = CreditSourceFor(options, dependencies);
        _strategy = new CircuitBreakerStrategy(new CircuitBreakerController(options.Name, options.Breaker), Escalated);

        Receive<APICalling>(Accept);
        Receive<WorkDone>(done =>
        {
            Booked(done, Sender);
            Idle(Sender);
            Dispatch();
        });
        Receive<RequestWork>(_ =>
        {
            Idle(Sender);
            Dispatch();
        });
        Receive<RetryPermitRequest>(RetryRequested);
        Receive<AttemptReported>(report =>
        {
            if (report.Outcome != BreakerOutcome.Ignored || report.WasProbe) Observe(_strategy.Breaker.Record(report.Outcome, Now));
            // Of the retried errors only a 429 counts as a success for the breaker.
            if (report.Outcome == BreakerOutcome.Success) _counters.RecordAttempt(1, ErrorKind.RateLimited);
            Dispatch();
        });
        Receive<RateLimiterRestarted>(restarted =>
        {
            foreach (var busy in _busy.Values) busy.Executor.Tell(restarted, Self);
        });
        Receive<CancelCall>(Cancel);
        Receive<GetStatus>(_ => _limiter.Tell(new CompleteStatus(Snapshot(), Sender), Self));
        Receive<SupervisorTick>(Tick);
        Receive<DrainEndpoint>(StartDrain);
    }

    /// <summary>
    /// The standalone ledger, paced and learning from the provider (<see cref="AdaptiveCreditSource"/>).
    /// A shared (cluster) source is used as it is: its owner keeps the one window every node draws from,
    /// so pacing and learning belong there, not on each node.
    /// </summary>
    private static ICreditSource CreditSourceFor(EndpointOptions options, DispatchDependencies dependencies)
    {
        var source = dependencies.CreditSourceFactory?.Invoke(options) ?? new SlidingWindowLedger(options.RateLimit);
        return source.IsShared ? source : new AdaptiveCreditSource(source, options.RateLimit);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private string Name => _options.Name;

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    protected override SupervisorStrategy SupervisorStrategy() => _strategy;

    protected override void PreStart()
    {
        var options = _options;
        var dependencies = _dependencies;
        var credits = _credits;
        var gate = new CreditGate();
        var time = new SchedulerTimeProvider(Context.System.Scheduler);
        _limiter = Context.ActorOf(Props.Create(() => new RateLimiterActor(credits, gate)), "rate-limiter");
        var session = new SessionHolder();
        var endpoint = Context.ActorOf(Props.Create(() => new EndpointActor(options, dependencies, session, time)), "endpoint");
        var limiter = _limiter;
        // A grant older than the ledger's guard when its request leaves is asked for again.
        var maxGrantAge = options.RateLimit.Window - options.RateLimit.Interval;
        // Akka's default scheduler starts on its first use and holds the thread that used it until
        // its worker, a thread-pool task, runs. Started here, from one thread, before the executors
        // exist: if N executors set their first timers at once instead, on a small thread pool they
        // can hold every pool thread, the worker cannot start, and every call waits seconds while
        // the pool grows (measured: 12.9 s on 2 cores, with grants charged at the start of it).
        Context.System.Scheduler.Advanced.ScheduleOnce(TimeSpan.Zero, static () => { });
        var dispatcher = CompletingThreadExecutor.Ensure(Context.System);
        for (var i = 0; i < options.Executor.Concurrency; i++)
        {
            var seed = _random.Next();
            Context.ActorOf(Props.Create(() => new ExecutorActor(options.Name, limiter, endpoint, session, gate, options.Retry, options.AttemptTimeout, seed, maxGrantAge))
                .WithDispatcher(dispatcher), $"executor-{i}");
        }
    }

    protected override void PostStop()
    {
        var now = Now;
        while (_queue.TryDequeue(out var queued)) Answer(queued.Execution.Cancel("the endpoint stopped before the call was sent", now), queued.ReplyTo);

        // Executors have stopped and answered what they held; a call handed to one that never
        // picked it up (its message arrived after it stopped) is answered here.
        foreach (var (_, busy) in _busy)
        {
            var execution = busy.Call.Execution;
            if (!execution.IsFinished) Answer(execution.Cancel("the endpoint stopped before the call was sent", now), busy.Call.ReplyTo);
        }

        _busy.Clear();
    }

    private void Accept(APICalling call)
    {
        if (_refusing)
        {
            // As the dispatch actor refuses it: not counted, it was never accepted.
            FinalResult.Deliver(Context.System, Name, FinalResult.ReplyTo(Context), APICallResult.Rejected(call.CallId, ErrorKind.Cancelled, DispatchActor.ShuttingDown), Self);
            return;
        }

        var now = Now;
        var execution = new CallExecution(call, now);
        var replyTo = FinalResult.ReplyTo(Context);
        var admission = _admission.Admit(execution, now);
        if (admission.Kind == AdmissionKind.Answer)
        {
            Answer(admission.Answer!, replyTo, accepted: false);
            return;
        }

        Observe(_strategy.Breaker.Advance(now));
        if (_strategy.Breaker.State == BreakerState.Open && _options.Breaker.WhenOpen == WhenOpen.Reject)
        {
            Answer(execution.Reject(ErrorKind.CircuitOpen, OpenMessage(), now), replyTo, accepted: false);
            return;
        }

        if (_busy.ContainsKey(call.CallId))
        {
            Answer(execution.Reject(ErrorKind.InvalidRequest, $"a call with id '{call.CallId}' is already in progress at endpoint '{Name}'", now), replyTo, accepted: false);
            return;
        }

        var pending = new PendingCall(execution, replyTo, admission.Tokens, ++_accepted);
        switch (_queue.TryEnqueue(call.CallId, pending, call.Deadline))
        {
            case EnqueueResult.Full:
                Answer(execution.Reject(ErrorKind.QueueFull, $"the queue of endpoint '{Name}' is full ({_options.Queue.Capacity} calls)", now), replyTo, accepted: false);
                return;
            case EnqueueResult.DuplicateId:
                Answer(execution.Reject(ErrorKind.InvalidRequest, $"a call with id '{call.CallId}' is already queued at endpoint '{Name}'", now), replyTo, accepted: false);
                return;
        }

        Dispatch();
        if (call.Deadline is not null) SetSweepTimer();
    }

    /// <summary>Hands queued calls to idle executors while the breaker lets calls through.</summary>
    private void Dispatch()
    {
        ServePermitWaiters();
        while (_idle.Count > 0 && _queue.Count > 0)
        {
            var permit = Permit();
            if (!permit.IsAllowed) break;
            _queue.TryDequeue(out var call);
            call.IsProbe = permit.Verdict == BreakerVerdict.Probe;
            var executor = _idle.Pop();
            _busy[call.CallId] = new BusyExecutor(executor, call);
            executor.Tell(new WorkAvailable(call), Self);
        }

        if (_draining is not null) CheckDrained();
    }

    private void Idle(IActorRef executor)
    {
        if (!_idle.Contains(executor)) _idle.Push(executor);
    }

    /// <summary>Books a call's end: counters, cache, breaker; the result itself was delivered by the executor.</summary>
    private void Booked(WorkDone done, IActorRef executor)
    {
        var call = done.Call;
        _busy.Remove(call.CallId);
        RemovePermitWaiter(executor);
        var result = call.Execution.Result!;
        _counters.Record(result);
        for (var attempt = 2; attempt <= result.Attempts; attempt++) _counters.RecordAttempt(attempt, ErrorKind.None);
        if (result.Error == ErrorKind.RateLimited) _counters.RecordAttempt(1, ErrorKind.RateLimited);
        _admission.Remember(call.Execution, Now);
        if (done.Outcome != BreakerOutcome.Ignored || call.IsProbe) Observe(_strategy.Breaker.Record(done.Outcome, Now));
        CountDrained(result);
    }

    private void Cancel(CancelCall cancel)
    {
        if (_queue.TryRemove(cancel.CallId, out var queued))
        {
            Answer(queued.Execution.Cancel("cancelled by the caller while the call was queued", Now), queued.ReplyTo);
            if (_draining is not null) CheckDrained();
        }
        else if (_busy.TryGetValue(cancel.CallId, out var busy))
        {
            busy.Executor.Tell(new CancelWork(cancel.CallId, "cancelled by the caller"), Self);
        }
    }

    private void Tick(SupervisorTick tick)
    {
        switch (tick.Timer)
        {
            case SupervisorTimer.Sweep:
                _sweepAt = null;
                var now = Now;
                _expired.Clear();
                _queue.RemoveExpired(now, _expired);
                foreach (var call in _expired) Answer(call.Execution.TimeOut("the deadline passed while the call was queued", now), call.ReplyTo);
                _expired.Clear();
                SetSweepTimer();
                if (_draining is not null) CheckDrained();
                break;
            case SupervisorTimer.Breaker:
                Observe(_strategy.Breaker.Advance(Now));
                SetBreakerTimer();
                Dispatch();
                break;
            case SupervisorTimer.Drain:
                DrainTimedOut();
                break;
        }
    }

    private void SetSweepTimer()
    {
        var next = _queue.NextDeadline;
        if (next == _sweepAt) return;
        _sweepAt = next;
        if (next is { } at) Timers.StartSingleTimer(SupervisorTimer.Sweep, SupervisorTick.Sweep, Delay(at));
        else Timers.Cancel(SupervisorTimer.Sweep);
    }

    /// <summary>Answers a call that never reached an executor.</summary>
    /// <param name="result">The final result.</param>
    /// <param name="replyTo">Who to answer.</param>
    /// <param name="accepted">Whether the call had been accepted (a refusal at the door does not count towards a drain).</param>
    private void Answer(APICallResult result, IActorRef? replyTo, bool accepted = true)
    {
        _counters.Record(result);
        FinalResult.Deliver(Context.System, Name, replyTo, result, Self);
        if (accepted) CountDrained(result);
    }

    private StatusSnapshot Snapshot() => new(Name, Now)
    {
        QueueDepth = _queue.Count,
        InFlight = _busy.Count,
        Breaker = _strategy.Breaker.State,
        Counters = _counters.Snapshot(),
    };

    private TimeSpan Delay(DateTimeOffset at)
    {
        var delay = at - Now;
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : delay;
    }
}
