using Akka.Actor;

namespace Dispatch.Core.RateLimiting;

/// <summary>
/// An endpoint's rate limiter: a <see cref="RateLimitController{T}"/> in an actor. Credit requests
/// are granted in arrival order as the <see cref="ICreditSource"/> allows; one keyed timer is kept
/// at the instant the head of the line may next be grantable (<see cref="RateLimitController{T}.WakeAt"/>),
/// so nothing polls, and a source that gets credits from elsewhere wakes it with <see cref="ICreditSource.CreditsArrived"/>.
/// A 429's Retry-After pauses all grants; reconciliation corrects a grant's tokens.
/// </summary>
/// <remarks>
/// <para>
/// The credit source is the supervisor's, passed in, so it survives a restart of this actor
/// and the window guarantee with it. Deadlines and cancellation are the executors' business:
/// an executor whose call ends while in line takes its request out with <see cref="CancelCredits"/>.
/// </para>
/// <para>
/// A restart (a bug, or a credit source that threw) loses the line, and with it the message
/// that failed, which may itself have been a credit request. Rather than trying to keep a line
/// that may be what broke, the waiters are asked to ask again: after the restart this actor
/// tells the supervisor <see cref="RateLimiterRestarted"/>, the supervisor tells every busy
/// executor, and each one still waiting for credits re-sends its request under a new ticket.
/// Requests carry their call's acceptance order, so the rebuilt line has the old order. A
/// grant made for an old ticket in between is handed back by the executor as usual. Only
/// what the failed message would have done is lost: a lost pause or reconciliation costs at
/// most a 429 or a few tokens of budget, never a call.
/// </para>
/// </remarks>
internal sealed class RateLimiterActor : ReceiveActor, IWithTimers
{
    private const string WakeKey = "wake";

    // One day: far enough that a timer set this long is as good as none, and within what
    // every TimeProvider's timers accept.
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly RateLimitController<Waiter> _controller;
    private readonly CreditGate _gate;
    private readonly bool _unlimited;
    private Action? _creditsArrived;
    private DateTimeOffset? _timerAt;

    public RateLimiterActor(ICreditSource source, CreditGate gate)
    {
        _controller = new RateLimitController<Waiter>(source);
        _gate = gate;
        _unlimited = source.RequestLimit is null && source.TokenLimit is null && !source.IsShared;
        Receive<AcquireCredits>(Acquire);
        Receive<Replenish>(_ =>
        {
            _timerAt = null;
            GrantWhatCan();
        });
        Receive<CancelCredits>(cancel =>
        {
            if (_controller.Cancel(cancel.CallId, out _)) GrantWhatCan();
        });
        Receive<ReconcileCredits>(reconcile =>
        {
            if (_controller.Reconcile(reconcile.GrantId, Math.Max(0, reconcile.ActualTokens), Now)) GrantWhatCan();
        });
        Receive<ObserveLimits>(observed =>
        {
            if (_controller.Source.Observe(observed.GrantId, observed.Report, observed.Throttled, Now)) GrantWhatCan();
        });
        Receive<PauseCredits>(pause =>
        {
            _controller.Pause(pause.Until);
            GrantWhatCan();
        });
        Receive<CompleteStatus>(status =>
        {
            var balance = _controller.Available(Now);
            status.ReplyTo.Tell(status.Snapshot with
            {
                RequestCreditsLeft = balance.Requests,
                TokenCreditsLeft = balance.Tokens,
                RequestLimit = _controller.Source.RequestLimit,
                TokenLimit = _controller.Source.TokenLimit,
                RequestLimitInForce = balance.RequestLimit ?? _controller.Source.RequestLimit,
                TokenLimitInForce = balance.TokenLimit ?? _controller.Source.TokenLimit,
                WaitingForCredits = _controller.Waiting,
            }, Self);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    protected override void PreStart()
    {
        // A source that gets credits from elsewhere (a cluster lease) says when they came; the
        // Replenish it sends is the one the wake timer sends, so nothing waits for a poll.
        var self = Self;
        _creditsArrived = () => self.Tell(Replenish.Instance, ActorRefs.NoSender);
        _controller.Source.CreditsArrived += _creditsArrived;
        UpdateGate();
    }

    protected override void PostRestart(Exception reason)
    {
        base.PostRestart(reason);
        Context.Parent.Tell(RateLimiterRestarted.Instance, Self);
    }

    protected override void PostStop()
    {
        if (_creditsArrived is not null) _controller.Source.CreditsArrived -= _creditsArrived;
        _creditsArrived = null;
        _gate.Set(false);
    }

    private void Acquire(AcquireCredits request)
    {
        var waiter = new Waiter(Sender, request.Ticket);
        var result = _controller.Request(request.CallId, waiter, request.Tokens, request.Order, Now);
        if (result.Status == CreditRequestStatus.DuplicateId)
        {
            // A re-request under the same id replaces the one in line (its ticket is stale).
            _controller.Cancel(request.CallId, out _);
            result = _controller.Request(request.CallId, waiter, request.Tokens, request.Order, Now);
        }

        switch (result.Status)
        {
            case CreditRequestStatus.Granted:
                Grant(result.Grant);
                break;
            case CreditRequestStatus.Rejected:
                Sender.Tell(new CreditsRefused(request.CallId, request.Ticket, result.Error!), Self);
                break;
            default:
                SetTimer();
                break;
        }

        UpdateGate();
    }

    private void GrantWhatCan()
    {
        var now = Now;
        while (_controller.TryGrantNext(now, out var grant)) Grant(grant);
        SetTimer();
        UpdateGate();
    }

    private void UpdateGate()
    {
        var open = _unlimited && _controller.Waiting == 0 && _controller.Available(Now).PausedUntil is null;
        _gate.Set(open);
        // A pause with nobody in line sets no wake timer; one is needed to re-open the gate.
        if (_unlimited && !open && _controller.Waiting == 0 && _controller.Available(Now).PausedUntil is { } until && _timerAt != until)
        {
            _timerAt = until;
            Timers.StartSingleTimer(WakeKey, Replenish.Instance, until - Now);
        }
    }

    private void Grant(in CreditGrant<Waiter> grant) =>
        grant.State.Executor.Tell(new CreditsGranted(grant.WaiterId, grant.State.Ticket, grant.GrantId, grant.Tokens, grant.GrantedAt), Self);

    private void SetTimer()
    {
        var wake = _controller.WakeAt;
        if (wake == _timerAt) return;
        _timerAt = wake;
        if (wake is not { } at)
        {
            Timers.Cancel(WakeKey);
            return;
        }

        var delay = at - Now;
        Timers.StartSingleTimer(WakeKey, Replenish.Instance, delay < TimeSpan.Zero ? TimeSpan.Zero : delay > LongestWait ? LongestWait : delay);
    }

    private readonly record struct Waiter(IActorRef Executor, int Ticket);
}
