using Akka.Actor;
using Dispatch.Cluster.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Leasing;

/// <summary>
/// An endpoint's credits on one node in cluster mode: the <see cref="ICreditSource"/> its RateLimiter
/// actor draws from. Grants are answered at once from the node's leases (a <see cref="LeaseBook"/>); when
/// they cannot serve a call, the node's <see cref="LeaseClientActor"/> is told to ask the owner, the call
/// is told to retry later, and <see cref="CreditsArrived"/> wakes the limiter when the lease comes.
/// </summary>
/// <remarks>
/// <para>
/// The lease client is told only on a change: the first failed grant since the last lease
/// (<see cref="LeaseWanted"/>), a lease running low (the same message, so the next one is asked for
/// before this one is spent), returns falling due (<see cref="ReturnsPending"/>), a 429 here
/// (<see cref="PauseSeen"/>). So the grant path takes a lock and does arithmetic; it sends a message
/// only once per lease.
/// </para>
/// <para>
/// A pause (a 429 here, or another node's reported by the owner) stops grants at once and retires the
/// leases held, whose unused credits go back. An endpoint with neither a request nor a token limit
/// needs no leases: its grants are only subject to pauses.
/// </para>
/// <para>Thread-safe: the rate limiter actor and the lease client actor both call it.</para>
/// </remarks>
internal sealed partial class ClusterCreditSource : ICreditSource
{
    private readonly object _gate = new();
    private readonly LeaseBook? _book;
    private readonly LeasePacer? _pacer;
    private readonly TimeSpan _retryAfter;
    private IActorRef? _client;
    private Action? _creditsArrived;
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
    private (int Requests, long Tokens)? _wanted;
    private bool _wantSignalled;
    private bool _returnsSignalled;
    private bool _closed;
    private readonly TimeSpan _idleAfter;
    private DateTimeOffset _lastAsked = DateTimeOffset.MinValue;
    private bool _holding;

    /// <summary>Creates the source of <paramref name="endpoint"/>; it asks for nothing until <see cref="Attach"/> gives it its lease client.</summary>
    /// <param name="endpoint">The endpoint's name.</param>
    /// <param name="limits">The endpoint's limits.</param>
    /// <param name="minLease">The fewest request credits a lease asks for.</param>
    /// <param name="maxLease">The most request credits a lease asks for.</param>
    /// <param name="retryAfter">
    /// When a call could not be served, how long until its limiter tries again on its own; a lease
    /// arriving wakes it sooner (<see cref="CreditsArrived"/>), so this only bounds a lost wake-up.
    /// </param>
    /// <param name="reportEvery">How often at most what the provider's answers taught goes to the owner (the lease span); <see langword="null"/> for a twentieth of the window.</param>
    public ClusterCreditSource(string endpoint, RateLimitOptions limits, int minLease, int maxLease, TimeSpan retryAfter, TimeSpan? reportEvery = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        ArgumentNullException.ThrowIfNull(limits);
        Endpoint = endpoint;
        RequestLimit = limits.Requests;
        TokenLimit = limits.Tokens;
        _retryAfter = retryAfter;
        if (RequestLimit is not null || TokenLimit is not null)
        {
            _book = new LeaseBook(RequestLimit, TokenLimit, limits.Window, minLease, maxLease);
            if (limits.Pacing == RateLimitPacing.Smooth) _pacer = new LeasePacer(limits, reportEvery ?? limits.Window / 20);
        }

        _learning = new Observations(limits, reportEvery ?? limits.Window / 20);
        _idleAfter = reportEvery ?? limits.Window / 20;
    }

    /// <summary>
    /// How long after its last grant, with no call asking since, a node counts as idle (smooth pacing): its paced leases go
    /// back early, so the rate they hold moves to the nodes that want it (the lease span for unpaced leases, a twentieth of
    /// the interval by default).
    /// </summary>
    internal TimeSpan IdleAfter => _idleAfter;

    /// <inheritdoc />
    public event Action CreditsArrived
    {
        add
        {
            lock (_gate) _creditsArrived += value;
        }

        remove
        {
            lock (_gate) _creditsArrived -= value;
        }
    }

    /// <summary>The quota messages this node's lease client exchanged with the owner (tests and benchmarks count them).</summary>
    internal QuotaTraffic Traffic { get; } = new();

    /// <summary>Where this node's waiting calls spent their time (benchmarks print it).</summary>
    internal PacingTimes Times { get; } = new();

    /// <summary>Told about every grant made from a lease, under the lock (tests audit the windows with it).</summary>
    internal Action<DateTimeOffset, int, long>? Granted { get; set; }

    /// <summary>The endpoint whose credits these are.</summary>
    public string Endpoint { get; }

    /// <inheritdoc />
    public long? RequestLimit { get; }

    /// <inheritdoc />
    public long? TokenLimit { get; }

    /// <inheritdoc />
    public bool IsShared => true;

    /// <inheritdoc />
    public CreditAttempt TryAcquire(int requests, long tokens, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requests, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        if (requests > RequestLimit || tokens > TokenLimit) return CreditAttempt.NotBefore(DateTimeOffset.MaxValue);

        IActorRef? client;
        bool wantLease = false, returnsDue = false;
        CreditAttempt attempt;
        lock (_gate)
        {
            if (now < _pausedUntil) return CreditAttempt.NotBefore(_pausedUntil);
            if (_book is null) return CreditAttempt.Grant(0);
            // Left the quota: nothing more to spend here, and nothing to ask for.
            if (_closed) return CreditAttempt.NotBefore(now + _retryAfter);

            client = _client;
            _lastAsked = now;
            // Paced: the node spends no faster than the rate the owner granted it with, and each lease no faster than its own bound.
            var pacerWait = _book.OpenLeases > 0 ? _pacer?.Wait(requests, tokens, now.UtcTicks) ?? 0 : 0;
            var wait = _book.OpenLeases > 0 ? Math.Max(pacerWait, _book.Wait(requests, tokens, now)) : 0;
            Times.Attempt(now.UtcTicks);
            if (wait > 0)
            {
                attempt = CreditAttempt.NotBefore(now + TimeSpan.FromTicks(wait));
                Times.Refused(now.UtcTicks, pacerWait, wait, noLease: false);
            }
            else if (_book.TryTake(requests, tokens, now, out var grantId))
            {
                _pacer?.Take(requests, tokens, now.UtcTicks);
                attempt = CreditAttempt.Grant(grantId);
                Times.Granted(requests);
                Granted?.Invoke(now, requests, tokens);
                // Ask for the next lease while this one still has a quarter left, so a busy node does not stall on the round trip.
                if (_wanted is null && _book.IsRunningLow(now)) _wanted = (requests, tokens);
            }
            else
            {
                _wanted = (requests, tokens);
                attempt = CreditAttempt.NotBefore(now + _retryAfter);
                // Its lease ran out before its deadline: the node wants more than it held, whatever it spent since it asked.
                if (_book.Outran) _pacer?.HeldBackByLease();
                Times.Refused(now.UtcTicks, 0, _retryAfter.Ticks, noLease: true);
            }

            _holding = !attempt.Granted;
            if (_wanted is not null && !_wantSignalled && client is not null) wantLease = _wantSignalled = true;
            if (_book.HasUnsentReturns && !_returnsSignalled && client is not null) returnsDue = _returnsSignalled = true;
        }

        if (wantLease) client!.Tell(LeaseWanted.Instance, ActorRefs.NoSender);
        if (returnsDue) client!.Tell(ReturnsPending.Instance, ActorRefs.NoSender);
        return attempt;
    }

    /// <inheritdoc />
    public bool Reconcile(long grantId, long actualTokens, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(actualTokens);
        IActorRef? client = null;
        bool reconciled;
        lock (_gate)
        {
            if (_book is null) return false;
            reconciled = _book.Reconcile(grantId, actualTokens);
            if (_book.HasUnsentReturns && !_returnsSignalled && _client is not null)
            {
                _returnsSignalled = true;
                client = _client;
            }
        }

        client?.Tell(ReturnsPending.Instance, ActorRefs.NoSender);
        return reconciled;
    }

    /// <inheritdoc />
    /// <remarks>The lease client reports the pause to the owner, which tells every other node.</remarks>
    public void PauseUntil(DateTimeOffset until)
    {
        IActorRef? client;
        lock (_gate)
        {
            if (!Pause(until)) return;
            client = _client;
        }

        client?.Tell(new PauseSeen(until), ActorRefs.NoSender);
    }

    /// <inheritdoc />
    public CreditBalance Available(DateTimeOffset now)
    {
        lock (_gate)
        {
            var (requests, tokens) = _book?.Remaining(now) ?? (0, 0);
            return new CreditBalance(
                RequestLimit is null ? null : requests,
                TokenLimit is null ? null : tokens,
                now < _pausedUntil ? _pausedUntil : null,
                _learning.RequestsInForce,
                _learning.TokensInForce);
        }
    }

    /// <summary>Gives the source its lease client, and tells the client what is already wanted.</summary>
    /// <param name="client">The endpoint's lease client on this node.</param>
    internal void Attach(IActorRef client)
    {
        bool wantLease, returnsDue;
        lock (_gate)
        {
            _client = client;
            wantLease = _wantSignalled = _wanted is not null;
            returnsDue = _returnsSignalled = _book?.HasUnsentReturns == true;
        }

        if (wantLease) client.Tell(LeaseWanted.Instance, ActorRefs.NoSender);
        if (returnsDue) client.Tell(ReturnsPending.Instance, ActorRefs.NoSender);
    }

    /// <summary>What a lease request should ask for now, or <see langword="null"/> when no call is waiting and no lease runs low.</summary>
    internal LeaseAsk? TakeDemand()
    {
        lock (_gate)
        {
            _wantSignalled = false;
            return _book is not null && !_closed && _wanted is { } wanted ? _book.NextAsk(wanted.Requests, wanted.Tokens) : null;
        }
    }

    /// <summary>
    /// The lease request in line was lost (the owner handed over with it in line, or no answer came in time), so it is asked
    /// again: a call that waits meanwhile was held back by the missing lease, not by a want of calls, and the request asks for
    /// more than this node spent while it waited (four times its rate, as when a lease was spent before its deadline).
    /// </summary>
    internal void RequestLost()
    {
        lock (_gate)
        {
            if (_holding) _pacer?.HeldBackByLease();
        }
    }

    /// <summary>With smooth pacing, the rate the next lease request asks for (<see cref="RequestLease.WantedPace"/>); 0 without.</summary>
    /// <param name="now">The current time.</param>
    internal long WantedPace(DateTimeOffset now)
    {
        lock (_gate) return _pacer?.Wanted(now.UtcTicks) ?? 0;
    }

    /// <summary>The pace of the lease received last (tests watch it); <see langword="null"/> without pacing or before the first.</summary>
    internal LeasePace? Pace
    {
        get
        {
            lock (_gate) return _pacer?.Pace;
        }
    }

    /// <summary>The returns due (the lease client sends them); makes the next one due signal again.</summary>
    internal LeaseReturn[] TakeReturns()
    {
        lock (_gate)
        {
            _returnsSignalled = false;
            return _book?.TakeReturns() ?? [];
        }
    }

    /// <summary>Whether a lease was retired and never returned (its return should go at once).</summary>
    internal bool HasUrgentReturns
    {
        get
        {
            lock (_gate) return _book?.HasUrgentReturns == true;
        }
    }

    /// <summary>Makes returns due again that went with a request the owner never answered.</summary>
    internal void Unsend(LeaseReturn[] returns)
    {
        if (returns.Length == 0) return;
        lock (_gate) _book?.Unsend(returns);
    }

    /// <summary>Adds a lease from the owner and wakes the rate limiter.</summary>
    /// <param name="grant">The owner's grant.</param>
    /// <param name="deadline">When this node must stop spending it, by this node's clock.</param>
    /// <param name="now">The current time.</param>
    /// <returns>Whether it can be spent (a lease that arrives after its deadline goes straight back).</returns>
    internal bool AddLease(LeaseGranted grant, DateTimeOffset deadline, DateTimeOffset now)
    {
        Action? wake;
        bool usable;
        lock (_gate)
        {
            if (_book is null) return false;
            usable = _book.Add(grant, deadline, now);
            if (grant.Pace is { } pace)
            {
                _pacer?.Apply(pace);
                Times.Rate(pace.Requests, now.UtcTicks);
            }
            if (now < _pausedUntil || _closed)
            {
                // Granted before the owner heard of the pause, or after this node left: not to be spent.
                _book.RetireAll();
                usable = false;
            }

            _wanted = null;
            wake = _creditsArrived;
        }

        wake?.Invoke();
        return usable;
    }

    /// <summary>
    /// The owner cut a lease's rate (<see cref="LeaseCut"/>): the lease is retired (its return is due at once) and its rest
    /// goes on as the successor at the new pace, or goes back unused too when this node is idle (<see cref="IsIdle"/>).
    /// </summary>
    /// <param name="cut">The owner's cut.</param>
    /// <param name="now">The current time.</param>
    internal void Cut(LeaseCut cut, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_book is null) return;
            var idle = IsIdle(now);
            if (_book.Cut(cut, idle || _closed || now < _pausedUntil, now))
            {
                _pacer?.Apply(cut.Pace);
                Times.Rate(cut.Pace.Requests, now.UtcTicks);
            }
            else if (idle) _pacer?.Idle();
        }
    }

    /// <summary>
    /// Retires the paced leases when this node is idle: no call has asked for credits for <see cref="IdleAfter"/> since the
    /// last was granted, and none waits. Returns when to look again (<see langword="null"/>: no paced lease is open).
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <param name="retired">Whether leases were retired (their returns are due).</param>
    internal DateTimeOffset? RetireIfIdle(DateTimeOffset now, out bool retired)
    {
        lock (_gate)
        {
            retired = false;
            if (_book is null || _pacer?.Pace is null || _book.OpenLeases == 0) return null;
            if (!IsIdle(now)) return _holding || _wanted is not null ? now + _idleAfter : _lastAsked + _idleAfter;
            retired = _book.RetirePaced();
            _pacer.Idle();
            return null;
        }
    }

    /// <summary>Whether no call asks for credits: the last attempt was granted at least <see cref="IdleAfter"/> ago, and none waits for a lease.</summary>
    private bool IsIdle(DateTimeOffset now) => !_holding && _wanted is null && now - _lastAsked >= _idleAfter;

    /// <summary>Another node's 429, told by the owner: no grants until <paramref name="until"/>; the leases held go back.</summary>
    /// <param name="until">When the pause ends, by this node's clock.</param>
    internal void ObservePause(DateTimeOffset until)
    {
        lock (_gate) Pause(until);
    }

    /// <summary>Retires the leases whose deadline has come; returns whether returns are due.</summary>
    /// <param name="now">The current time.</param>
    internal bool RetireExpired(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_book is null) return false;
            _book.RetireExpired(now);
            _book.Prune(now);
            return _book.HasUnsentReturns;
        }
    }

    /// <summary>Retires every lease (the node stops); their returns are due.</summary>
    internal void RetireAll()
    {
        lock (_gate) _book?.RetireAll();
    }

    /// <summary>The node leaves the quota: every lease is retired (their returns are due) and none is asked for or spent after.</summary>
    internal void Close()
    {
        lock (_gate)
        {
            _closed = true;
            _wanted = null;
            _book?.RetireAll();
        }
    }

    /// <summary>The earliest deadline of a lease held.</summary>
    internal DateTimeOffset? NextDeadline
    {
        get
        {
            lock (_gate) return _book?.NextDeadline;
        }
    }

    /// <summary>The request credits the next lease asks for (tests watch leases grow and shrink).</summary>
    internal int NextLeaseRequests
    {
        get
        {
            lock (_gate) return _book?.NextLeaseRequests ?? 0;
        }
    }

    private bool Pause(DateTimeOffset until)
    {
        if (until <= _pausedUntil) return false;
        _pausedUntil = until;
        _book?.RetireAll();
        return true;
    }
}
