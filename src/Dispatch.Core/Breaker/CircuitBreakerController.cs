using Dispatch.Core.Protocol;

namespace Dispatch.Core.Breaker;

/// <summary>
/// The circuit breaker's state machine, without the actor. Closed → (max-failures consecutive
/// failures) → Open → (reset timeout elapsed) → HalfOpen with exactly one probe → Closed on
/// success, or Open again with the reset timeout doubled, up to max-reset-timeout.
/// </summary>
/// <remarks>
/// <para>
/// What counts (<see cref="Classify"/>): server errors, timeouts, connection failures and
/// unreadable responses mean the upstream is unwell. A 429 does not: the upstream is up and
/// telling us to slow down, which is the rate limiter's business (it pauses grants for the
/// <c>Retry-After</c>); tripping the breaker would turn a throttle into an outage. Other 4xx
/// mean the request is wrong, and also prove the upstream is up, so they count as successes
/// and reset the consecutive count. Cancelled and never-sent calls are ignored.
/// </para>
/// <para>
/// The open → half-open change happens when time is observed: in <see cref="TryAcquire"/>,
/// or in <see cref="Advance"/>, which the owner calls from a timer set for
/// <see cref="OpenUntil"/> so the change is published on time even when no call arrives.
/// Outcomes of calls that were already in flight when it opened are ignored while open, so
/// they cannot extend the open time. Every state change is returned as a
/// <see cref="BreakerStateChanged"/> for the owner to publish. Time is passed in; not
/// thread-safe (actor-confined).
/// </para>
/// </remarks>
public sealed class CircuitBreakerController
{
    private readonly BreakerOptions _options;
    private TimeSpan _currentResetTimeout;
    private bool _probeOut;

    /// <summary>Creates a closed breaker.</summary>
    /// <param name="endpoint">The endpoint's name, for the state-change events.</param>
    /// <param name="options">Thresholds and timeouts; validated here.</param>
    public CircuitBreakerController(string endpoint, BreakerOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Endpoint = endpoint;
        _options = options;
        _currentResetTimeout = options.ResetTimeout;
    }

    /// <summary>The endpoint's name.</summary>
    public string Endpoint { get; }

    /// <summary>The current state (as of the last call that observed time).</summary>
    public BreakerState State { get; private set; } = BreakerState.Closed;

    /// <summary>Failures counted since the last success.</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>While open: when the next probe may go. Set a timer for it and call <see cref="Advance"/>.</summary>
    public DateTimeOffset? OpenUntil { get; private set; }

    /// <summary>The open time in force: reset-timeout after a trip from closed, doubled after each failed probe up to max-reset-timeout.</summary>
    public TimeSpan CurrentResetTimeout => _currentResetTimeout;

    /// <summary>How the breaker treats an error kind (<see cref="ErrorKind.None"/> is a success).</summary>
    /// <param name="error">The attempt's outcome.</param>
    public static BreakerOutcome Classify(ErrorKind error) => error switch
    {
        ErrorKind.Server or ErrorKind.Timeout or ErrorKind.Connection or ErrorKind.InvalidResponse => BreakerOutcome.Failure,
        ErrorKind.None or ErrorKind.RateLimited or ErrorKind.Authentication or ErrorKind.NotFound or ErrorKind.BadRequest => BreakerOutcome.Success,
        _ => BreakerOutcome.Ignored,
    };

    /// <summary>Asks whether a call may be sent now. In half-open the first caller gets the probe.</summary>
    /// <param name="now">The current time.</param>
    public BreakerPermit TryAcquire(DateTimeOffset now)
    {
        var transition = Advance(now);
        switch (State)
        {
            case BreakerState.Closed:
                return new(BreakerVerdict.Allow, null, transition);
            case BreakerState.HalfOpen when !_probeOut:
                _probeOut = true;
                return new(BreakerVerdict.Probe, null, transition);
            case BreakerState.HalfOpen:
                return new(BreakerVerdict.Reject, null, transition);
            default:
                return new(BreakerVerdict.Reject, OpenUntil, transition);
        }
    }

    /// <summary>Moves an open breaker to half-open once its reset timeout has elapsed.</summary>
    /// <param name="now">The current time.</param>
    /// <returns>The change, when there was one.</returns>
    public BreakerStateChanged? Advance(DateTimeOffset now)
    {
        if (State != BreakerState.Open || now < OpenUntil) return null;
        _probeOut = false;
        OpenUntil = null;
        return MoveTo(BreakerState.HalfOpen, now);
    }

    /// <summary>Records an attempt's outcome.</summary>
    /// <param name="error">The attempt's error kind (<see cref="ErrorKind.None"/> for success).</param>
    /// <param name="now">The current time.</param>
    /// <returns>The change, when there was one.</returns>
    public BreakerStateChanged? Record(ErrorKind error, DateTimeOffset now) => Record(Classify(error), now);

    /// <summary>Records an attempt's outcome.</summary>
    /// <param name="outcome">How the breaker treats it.</param>
    /// <param name="now">The current time.</param>
    /// <returns>The change, when there was one.</returns>
    public BreakerStateChanged? Record(BreakerOutcome outcome, DateTimeOffset now)
    {
        switch (State, outcome)
        {
            case (_, BreakerOutcome.Ignored):
                // A probe that gave no verdict frees the slot so another call can probe.
                if (State == BreakerState.HalfOpen) _probeOut = false;
                return null;

            case (BreakerState.Open, _):
                return null;

            case (BreakerState.Closed, BreakerOutcome.Success):
                ConsecutiveFailures = 0;
                return null;

            case (BreakerState.Closed, BreakerOutcome.Failure):
                ConsecutiveFailures++;
                return ConsecutiveFailures >= _options.MaxFailures ? Open(now, _options.ResetTimeout) : null;

            case (BreakerState.HalfOpen, BreakerOutcome.Success):
                ConsecutiveFailures = 0;
                _currentResetTimeout = _options.ResetTimeout;
                _probeOut = false;
                return MoveTo(BreakerState.Closed, now);

            default:
                ConsecutiveFailures++;
                var doubled = _currentResetTimeout <= _options.MaxResetTimeout / 2 ? _currentResetTimeout * 2 : _options.MaxResetTimeout;
                return Open(now, doubled);
        }
    }

    private BreakerStateChanged Open(DateTimeOffset now, TimeSpan resetTimeout)
    {
        _currentResetTimeout = resetTimeout;
        _probeOut = false;
        OpenUntil = now + resetTimeout;
        return MoveTo(BreakerState.Open, now);
    }

    private BreakerStateChanged MoveTo(BreakerState to, DateTimeOffset now)
    {
        var from = State;
        State = to;
        return new BreakerStateChanged(Endpoint, from, to, now, ConsecutiveFailures, OpenUntil);
    }
}
