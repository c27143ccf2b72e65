using Dispatch.Cluster.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Leasing;

/// <summary>
/// A node's pacing of its lease spending (<c>rate-limit.pacing = smooth</c>): Core's <see cref="Pacer"/> per limited
/// kind, at the rate, burst and per-second cap of the lease received last (<see cref="LeasePace"/>: the cap is the node's
/// part of standalone's, which the owner apportions); and what the node asks the owner for next (<see cref="Wanted"/>).
/// </summary>
/// <remarks>
/// <para>
/// The pacers live as long as the node: a new lease changes their rate (<see cref="Pacer.SetLimit"/>), not the time
/// the grants already made hold them for, so the node does not burst again at every lease.
/// </para>
/// <para>
/// <b>Demand.</b> A node whose pacer held a call back since its last request wants four times its rate (it has more
/// calls than its share lets through), and so does one whose call waited for a lease because the last was spent before its
/// deadline (<see cref="HeldBackByLease"/>); otherwise twice what it spent since then, per window, measured over at least one
/// span. Before its first paced lease, and after it gave its leases back for want of calls (<see cref="Idle"/>), it asks
/// for the whole rate, and the owner gives it its share.
/// </para>
/// <para>Not thread-safe: <see cref="ClusterCreditSource"/> holds a lock around it. Time is passed in, as ticks.</para>
/// </remarks>
internal sealed class LeasePacer
{
    private readonly RateLimitOptions _options;
    private readonly long _windowTicks;
    private readonly long _spanTicks;
    private readonly bool _byRequests;
    private Pacer? _requests;
    private Pacer? _tokens;
    private long _spent;
    private long? _since;
    private bool _heldBack;
    private bool _idle;

    /// <summary>Creates a pacer that lets everything through until the first paced lease arrives.</summary>
    /// <param name="options">The endpoint's rate limit.</param>
    /// <param name="span">The endpoint's lease span.</param>
    public LeasePacer(RateLimitOptions options, TimeSpan span)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _windowTicks = options.Window.Ticks;
        _spanTicks = Math.Max(1, span.Ticks);
        _byRequests = options.Requests is not null;
    }

    /// <summary>The pace of the lease received last; <see langword="null"/> before the first.</summary>
    public LeasePace? Pace { get; private set; }

    /// <summary>Ticks after <paramref name="ticks"/> until a grant of <paramref name="requests"/> and <paramref name="tokens"/> fits; 0 when it fits now.</summary>
    /// <param name="requests">Request credits.</param>
    /// <param name="tokens">Token credits.</param>
    /// <param name="ticks">Now.</param>
    public long Wait(int requests, long tokens, long ticks)
    {
        var wait = Math.Max(_requests?.Wait(requests, ticks) ?? 0, _tokens?.Wait(tokens, ticks) ?? 0);
        if (wait > 0) _heldBack = true;
        return wait;
    }

    /// <summary>
    /// A call waits for a lease because the last was spent before its deadline: the lease, not the node's calls, limited what
    /// it spent, so its next request asks for four times its rate, as when its pacer holds a call back. (Measured over the
    /// small lease instead, a node with a backlog that the owner's full window granted a few credits asked for a fifth of its
    /// rate, and its share went to the others for two lease spans.)
    /// </summary>
    public void HeldBackByLease() => _heldBack = Pace is not null;

    /// <summary>Charges a grant made at <paramref name="ticks"/>.</summary>
    /// <param name="requests">Request credits.</param>
    /// <param name="tokens">Token credits.</param>
    /// <param name="ticks">Now.</param>
    public void Take(int requests, long tokens, long ticks)
    {
        _requests?.Take(requests, ticks);
        _tokens?.Take(tokens, ticks);
        _spent += _byRequests ? requests : tokens;
    }

    /// <summary>Paces from now on at <paramref name="pace"/>, the rate a lease just received was granted with.</summary>
    /// <param name="pace">The lease's pace.</param>
    public void Apply(LeasePace pace)
    {
        ArgumentNullException.ThrowIfNull(pace);
        Pace = pace;
        _requests = Paced(_requests, pace.Requests, pace.RequestBurst, pace.RequestCap);
        _tokens = Paced(_tokens, pace.Tokens, pace.TokenBurst, pace.TokenCap);
    }

    /// <summary>What to ask the owner for with the next lease request, in credits of the paced kind per window; 0 for "as much as it may".</summary>
    /// <param name="ticks">Now.</param>
    public long Wanted(long ticks)
    {
        if (Pace is not { } pace) return 0;
        if (_idle)
        {
            _idle = false;
            (_since, _spent, _heldBack) = (ticks, 0, false);
            return 0;
        }

        var rate = _byRequests ? pace.Requests : pace.Tokens;
        var elapsed = Math.Max(_spanTicks, ticks - (_since ?? ticks));
        var wanted = _heldBack
            ? (long)Math.Min(long.MaxValue / 8, Math.Max(4 * rate, rate + 1))
            : Math.Max(1, (long)Int128.Min(long.MaxValue, ((Int128)2 * _spent * _windowTicks + elapsed - 1) / elapsed));
        _since = ticks;
        _spent = 0;
        _heldBack = false;
        return wanted;
    }

    /// <summary>
    /// The node gave its paced leases back for want of calls: what it spent since its last request says nothing of what its
    /// next calls will want, so its next request asks for the whole rate, as its first did (the owner shares it out).
    /// </summary>
    public void Idle() => _idle = true;

    private Pacer? Paced(Pacer? pacer, long rate, long burst, long cap)
    {
        if (rate <= 0) return null;
        burst = Math.Clamp(burst, 1, rate);
        // Counted over standalone's cap period, which an explicit burst does not have; a pace that names no cap (0) caps nothing.
        var periodCap = cap > 0 ? cap : long.MaxValue;
        if (pacer is null) return new Pacer(rate, _options.Window, burst, Pacer.TimerLateness, _options.CapPeriod, periodCap);
        pacer.SetLimit(rate, burst, periodCap);
        return pacer;
    }
}
