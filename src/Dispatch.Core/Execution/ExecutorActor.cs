using Akka.Actor;
using Dispatch.Core.Breaker;
using Dispatch.Core.Endpoints;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Retry;

namespace Dispatch.Core.Execution;

/// <summary>
/// One of an endpoint's N executors: holds at most one call at a time, from the moment it pulls
/// it to its final result. For each attempt it acquires credits from the rate limiter, has the
/// endpoint send it, and follows <see cref="ExecutionController"/>: finish, or back off (timer) and
/// try again once the supervisor's breaker permits. The call's deadline is a timer; a deadline or
/// a cancellation ends the call at once wherever it is (in line for credits: the request is
/// withdrawn; in flight: the HTTP request is cancelled; backing off: the timer is dropped).
/// </summary>
/// <remarks>
/// Every message about an attempt carries a ticket; one that does not match the current ticket
/// belongs to an attempt that was abandoned and is ignored (a grant for it is handed back).
/// A grant is charged in the ledger at the instant it is made, and the ledger's guard only covers
/// a short delay between then and the request's arrival. A grant that is already older than the
/// guard when its request is about to leave (this actor's thread was held up: the first timer of
/// an actor system starts Akka's scheduler, which waits on the thread pool) is handed back and
/// asked for again, so the request is charged when it really goes.
/// Upstream failures are escalated by throwing <see cref="UpstreamFailureException"/> after the
/// attempt has been acted on; the supervisor's strategy counts them and resumes this actor.
/// </remarks>
internal sealed class ExecutorActor : ReceiveActor, IWithTimers
{
    private const string RetryKey = "retry";
    private const string DeadlineKey = "deadline";
    private const string AttemptKey = "attempt";

    private readonly string _endpoint;
    private readonly IActorRef _limiter;
    private readonly IActorRef _endpointActor;
    private readonly SessionHolder _session;
    private readonly CreditGate _gate;
    private readonly TimeSpan _attemptTimeout;
    private readonly TimeSpan _maxGrantAge;
    private readonly ExecutionController _execution;
    private PendingCall? _call;
    private Stage _stage;
    private int _ticket;
    private int _callSequence;
    private long _grantId;
    private long _grantTokens;
    private CancellationTokenSource? _attempt;
    private DateTimeOffset _attemptStartedAt;
    private bool _attemptTimerSet;
    private bool _restarting;

    public ExecutorActor(string endpoint, IActorRef limiter, IActorRef endpointActor, SessionHolder session, CreditGate gate, RetryOptions retry, TimeSpan attemptTimeout, int seed,
        TimeSpan maxGrantAge)
    {
        _attemptTimeout = attemptTimeout;
        _maxGrantAge = maxGrantAge;
        _session = session;
        _gate = gate;
        _endpoint = endpoint;
        _limiter = limiter;
        _endpointActor = endpointActor;
        _execution = new ExecutionController(new RetryController(retry, new Random(seed)));
        Receive<WorkAvailable>(Start);
        Receive<CreditsGranted>(Granted);
        Receive<CreditsRefused>(Refused);
        Receive<AttemptFinished>(AttemptDone);
        Receive<AttemptTimedOut>(AttemptTimerDue);
        Receive<RetryDue>(due =>
        {
            if (due.Ticket != _ticket || _stage != Stage.BackingOff) return;
            _stage = Stage.AwaitingPermit;
            Context.Parent.Tell(new RetryPermitRequest(_call!.CallId, _ticket), Self);
        });
        Receive<RetryPermit>(Permitted);
        Receive<DeadlinePassed>(passed =>
        {
            if (passed.CallSequence == _callSequence && _call is not null) Abort(timedOut: true, $"the deadline passed while the call was {Where()}");
        });
        Receive<RateLimiterRestarted>(_ =>
        {
            // The limiter lost its line, and this request with it.
            if (_call is not null && _stage == Stage.Acquiring) Acquire();
        });
        Receive<CancelWork>(cancel =>
        {
            if (_call is not null && _call.CallId == cancel.CallId) Abort(timedOut: false, $"{cancel.Reason} while the call was {Where()}");
        });
    }

    private enum Stage
    {
        Idle,
        Acquiring,
        InFlight,
        BackingOff,
        AwaitingPermit,
        Deciding,
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    protected override void PreStart() => Context.Parent.Tell(RequestWork.Instance, Self);

    protected override void PostStop()
    {
        DisposeIdleAttemptSource();
        if (_call is null) return;
        // The endpoint is stopping (or the system is): the call still gets its one answer.
        var call = _call;
        var result = call.Execution.IsFinished ? null : call.Execution.Cancel($"the endpoint stopped while the call was {Where()}", Now);
        Release();
        if (result is not null) FinalResult.Deliver(Context.System, _endpoint, call.ReplyTo, result, Self);
    }

    protected override void PreRestart(Exception reason, object? message)
    {
        DisposeIdleAttemptSource();
        // A bug here must not cost the call its answer, nor the supervisor its executor.
        if (_call is { } call)
        {
            var result = call.Execution.IsFinished ? null : call.Execution.Cancel($"the executor failed ({reason.GetType().Name}) while the call was {Where()}", Now);
            Release();
            if (result is not null) FinalResult.Deliver(Context.System, _endpoint, call.ReplyTo, result, Self);
            Context.Parent.Tell(new WorkDone(call, BreakerOutcome.Ignored), Self);
            _restarting = true;
        }
    }

    protected override void PostRestart(Exception reason)
    {
        // WorkDone from PreRestart already told the supervisor this executor is idle.
        if (!_restarting) PreStart();
    }

    private void Start(WorkAvailable work)
    {
        _call = work.Call;
        _callSequence++;
        var now = Now;
        if (_call.Call.Deadline is { } deadline)
        {
            if (deadline <= now)
            {
                Finish(_call.Execution.TimeOut("the deadline passed before the call left the queue", now), BreakerOutcome.Ignored);
                return;
            }

            Timers.StartSingleTimer(DeadlineKey, new DeadlinePassed(_callSequence), deadline - now);
        }

        Acquire();
    }

    private void Acquire()
    {
        _stage = Stage.Acquiring;
        _ticket++;
        if (_gate.IsOpen)
        {
            // No limits and no pause: the grant would be immediate, so skip the round trip.
            Send(0, _call!.Tokens, default);
            return;
        }

        _limiter.Tell(new AcquireCredits(_call!.CallId, _call.Tokens, _ticket, _call.Sequence), Self);
    }

    private void Granted(CreditsGranted grant)
    {
        if (_call is null || grant.Ticket != _ticket || _stage != Stage.Acquiring || grant.CallId != _call.CallId)
        {
            // Granted after the call moved on: the request credit is spent, the tokens go back.
            if (grant.GrantId != 0) _limiter.Tell(new ReconcileCredits(grant.GrantId, 0), Self);
            return;
        }

        Send(grant.GrantId, grant.Tokens, grant.GrantedAt);
    }

    /// <summary>
    /// Starts an attempt on credits granted at <paramref name="grantedAt"/> (grant id 0: taken without
    /// asking, through the open gate), or hands a grant that has grown too old back and asks again.
    /// </summary>
    private void Send(long grantId, long tokens, DateTimeOffset grantedAt)
    {
        // Set before the age check: the first timer of an actor system may hold this thread.
        if (!_attemptTimerSet) SetAttemptTimer(_attemptTimeout);
        var now = Now;
        if (grantId != 0 && _maxGrantAge > TimeSpan.Zero && now - grantedAt > _maxGrantAge)
        {
            // The ledger counted this grant from grantedAt; sent now, it could reach the upstream in
            // a window the ledger no longer counts it in. The request credit stays spent, the tokens go back.
            _limiter.Tell(new ReconcileCredits(grantId, 0), Self);
            Acquire();
            return;
        }

        _grantId = grantId;
        _grantTokens = tokens;
        var execution = _call!.Execution;
        _attemptStartedAt = now;
        execution.AttemptStarted(now);
        execution.Charge(tokens);
        _stage = Stage.InFlight;
        _attempt ??= new CancellationTokenSource();
        var invoke = new Invoke(_call.Call, _ticket, _attempt, Self, execution.Attempts);
        if (_session.Session is { } session) EndpointActor.Start(session, invoke);
        else _endpointActor.Tell(invoke, Self);
    }

    /// <summary>
    /// The attempt timeout, on one actor timer (so it follows the system's scheduler, and TestScheduler)
    /// that is not cancelled when an attempt ends: setting and cancelling a timer per attempt cost
    /// the scheduler an entry that stayed in its wheel for the whole timeout (see RESULTS.md). The
    /// timer carries the ticket of the attempt it was set for. When it comes due and that attempt is
    /// still in flight, the attempt has timed out; when a later attempt is in flight, the timer is set
    /// again for what that attempt has left; when nothing is in flight, it lapses until the next attempt.
    /// </summary>
    private void AttemptTimerDue(AttemptTimedOut due)
    {
        _attemptTimerSet = false;
        if (_stage != Stage.InFlight) return;
        // The session reports the cancelled attempt as a timeout; its outcome comes back as usual.
        if (due.Ticket == _ticket)
        {
            _attempt?.Cancel();
            return;
        }

        // Clamped: the attempt's start is read from the scheduler's clock, which may be the wall clock.
        var left = _attemptTimeout - (Now - _attemptStartedAt);
        SetAttemptTimer(left < TimeSpan.Zero ? TimeSpan.Zero : left > _attemptTimeout ? _attemptTimeout : left);
    }

    private void SetAttemptTimer(TimeSpan delay)
    {
        _attemptTimerSet = true;
        Timers.StartSingleTimer(AttemptKey, new AttemptTimedOut(_ticket), delay);
    }

    private void Refused(CreditsRefused refused)
    {
        if (_call is null || refused.Ticket != _ticket || _stage != Stage.Acquiring) return;
        Finish(_call.Execution.Reject(ErrorKind.InvalidRequest, refused.Reason, Now), BreakerOutcome.Ignored);
    }

    private void AttemptDone(AttemptFinished finished)
    {
        if (_call is null || finished.Ticket != _ticket || _stage != Stage.InFlight) return;
        _stage = Stage.Deciding;
        // A fresh source per attempt: one handed to HttpClient is not reset (TryReset drops every
        // registration on it) and lent to another request; see RESULTS.md on the accuracy runs.
        _attempt?.Dispose();
        _attempt = null;

        var call = _call;
        var attempt = finished.Result;
        var now = Now;
        if (attempt.UsedTokens is { } used && used != _grantTokens && _grantId != 0)
        {
            _limiter.Tell(new ReconcileCredits(_grantId, used), Self);
            call.Execution.Charge(used - _grantTokens);
        }

        // The grant's tokens were counted as charged when the attempt started; one the upstream never answered spent none.
        if (!attempt.ChargesTokens) call.Execution.Charge(-_grantTokens);

        var kind = attempt.Outcome.Kind;
        if (kind == ErrorKind.RateLimited && attempt.Outcome.RetryAfter is { } retryAfter && _execution.Honours(retryAfter))
        {
            _gate.Set(false);
            _limiter.Tell(new PauseCredits(now + retryAfter), Self);
        }

        // What the provider said about its limits goes to the limiter, which may lower them.
        if (_grantId != 0 && attempt.HttpStatus is not null)
            _limiter.Tell(new ObserveLimits(_grantId, attempt.RateLimits, kind == ErrorKind.RateLimited), Self);

        var outcome = CircuitBreakerController.Classify(kind);
        var step = _execution.OnAttemptFinished(call.Execution, attempt, now);
        if (step.Kind == ExecutionStepKind.Retry)
        {
            _stage = Stage.BackingOff;
            Timers.StartSingleTimer(RetryKey, new RetryDue(_ticket), step.Delay);
            Context.System.EventStream.Publish(new CallRetrying(_endpoint, call.CallId, call.Execution.Attempts, kind, step.Delay));
            if (outcome == BreakerOutcome.Failure) throw new UpstreamFailureException(kind, attempt.Outcome.Message, null);
            if (outcome == BreakerOutcome.Success) Context.Parent.Tell(new AttemptReported(outcome, call.IsProbe), Self);
            return;
        }

        if (outcome == BreakerOutcome.Failure)
        {
            var done = Finish(step.Result!, BreakerOutcome.Ignored, tellSupervisor: false);
            throw new UpstreamFailureException(kind, attempt.Outcome.Message, done);
        }

        Finish(step.Result!, outcome);
    }

    private void Permitted(RetryPermit permit)
    {
        if (permit.Ticket != _ticket || _stage != Stage.AwaitingPermit || _call is null)
        {
            // The call ended while waiting; a probe slot it was given must not stay taken.
            if (permit.Probe) Context.Parent.Tell(new AttemptReported(BreakerOutcome.Ignored, WasProbe: true), Self);
            return;
        }

        if (permit.Allowed)
        {
            _call.IsProbe = permit.Probe;
            Acquire();
            return;
        }

        Finish(_call.Execution.Fail(ErrorKind.CircuitOpen, $"the circuit breaker of endpoint '{_endpoint}' opened while the call waited to retry",
            null, null, Now), BreakerOutcome.Ignored);
    }

    private void Abort(bool timedOut, string message)
    {
        var call = _call!;
        if (_stage == Stage.Acquiring) _limiter.Tell(new CancelCredits(call.CallId), Self);

        var now = Now;
        var result = timedOut ? call.Execution.TimeOut(message, now) : call.Execution.Cancel(message, now);
        Finish(result, BreakerOutcome.Ignored);
    }

    private WorkDone Finish(APICallResult result, BreakerOutcome outcome, bool tellSupervisor = true)
    {
        var call = _call!;
        Release();
        FinalResult.Deliver(Context.System, _endpoint, call.ReplyTo, result, Self);
        var done = new WorkDone(call, outcome);
        if (tellSupervisor) Context.Parent.Tell(done, Self);
        return done;
    }

    /// <summary>Forgets the call: retry and deadline timers off, attempt abandoned, ready for the next (the attempt timer lapses by itself).</summary>
    private void Release()
    {
        if (_stage == Stage.InFlight && _attempt is not null)
        {
            // Cancelling aborts the HTTP request; its late outcome carries a stale ticket.
            _attempt.Cancel();
            _attempt = null;
        }

        Timers.Cancel(RetryKey);
        Timers.Cancel(DeadlineKey);
        _call = null;
        _stage = Stage.Idle;
        _ticket++;
    }

    /// <summary>Disposes the attempt's token source unless an attempt still runs under it; that one is cancelled by <see cref="Release"/>.</summary>
    private void DisposeIdleAttemptSource()
    {
        if (_stage == Stage.InFlight || _attempt is null) return;
        _attempt.Dispose();
        _attempt = null;
    }

    private string Where() => _stage switch
    {
        Stage.Acquiring => "waiting for credits",
        Stage.InFlight => "in flight",
        Stage.BackingOff => "backing off before a retry",
        Stage.AwaitingPermit => "waiting for the circuit breaker to allow a retry",
        _ => "starting",
    };
}
