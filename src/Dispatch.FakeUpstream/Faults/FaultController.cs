using System.Collections.Concurrent;

namespace Dispatch.FakeUpstream.Faults;

/// <summary>
/// Decides which fault, if any, each API request gets, and lets a test or benchmark change that
/// while the server runs. For each request the first of these that applies wins:
/// the request's <see cref="FakeUpstreamHeaders.Fault"/> header script, a script registered for
/// its call id (<see cref="ScriptCallId(string, FaultScript)"/>), the queue of faults for the next
/// requests (<see cref="Enqueue(Fault[])"/>), an outage (<see cref="StartOutage"/>), and finally
/// the random <see cref="Options"/> rates. Every member is safe to call from any thread.
/// </summary>
public sealed class FaultController
{
    private readonly TimeProvider _time;
    private readonly SharedRandom _random;
    private readonly ConcurrentQueue<Fault> _queue = new();
    private readonly ConcurrentDictionary<string, FaultScript> _callScripts = new(StringComparer.Ordinal);
    private volatile FaultTable _table;
    private volatile Outage? _outage;
    private int _callScriptCount;

    internal FaultController(FaultOptions options, TimeProvider time, SharedRandom random)
    {
        _time = time;
        _random = random;
        _table = new FaultTable(options);
    }

    /// <summary>The random fault rates and body sizes; setting them takes effect for the next request.</summary>
    /// <exception cref="ArgumentException">The new options are invalid.</exception>
    public FaultOptions Options
    {
        get => _table.Options;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            _table = new FaultTable(value);
        }
    }

    /// <summary>Faults still queued for the next requests.</summary>
    public int Pending => _queue.Count;

    /// <summary>Whether an outage is in force now.</summary>
    public bool OutageActive => CurrentOutage() is not null;

    /// <summary>The next requests, in arrival order, get these faults (one each) before anything else but scripts.</summary>
    /// <param name="faults">The faults, in order; <see cref="Fault.None"/> lets one request through.</param>
    public void Enqueue(params Fault[] faults)
    {
        foreach (var fault in faults) _queue.Enqueue(fault);
    }

    /// <summary>The next <paramref name="count"/> requests get <paramref name="kind"/>.</summary>
    /// <param name="kind">The fault.</param>
    /// <param name="count">How many requests get it.</param>
    /// <param name="retryAfter">The Retry-After to send with it, if any.</param>
    public void Enqueue(FaultKind kind, int count = 1, TimeSpan? retryAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var i = 0; i < count; i++) _queue.Enqueue(new Fault(kind, retryAfter));
    }

    /// <summary>Arrivals of <paramref name="callId"/> (its <c>x-call-id</c> or <c>Idempotency-Key</c>) follow <paramref name="script"/>.</summary>
    /// <param name="callId">The call id.</param>
    /// <param name="script">What its 1st, 2nd, … arrival gets, counted from when the call id first arrived.</param>
    public void ScriptCallId(string callId, FaultScript script)
    {
        ArgumentNullException.ThrowIfNull(callId);
        ArgumentNullException.ThrowIfNull(script);
        _callScripts[callId] = script;
        Volatile.Write(ref _callScriptCount, _callScripts.Count);
    }

    /// <summary>Arrivals 1, 2, … of <paramref name="callId"/> get <paramref name="steps"/>, then are served normally.</summary>
    /// <param name="callId">The call id.</param>
    /// <param name="steps">The faults, in order.</param>
    public void ScriptCallId(string callId, params Fault[] steps) => ScriptCallId(callId, new FaultScript(steps));

    /// <summary>
    /// Every request gets <paramref name="fault"/> until <see cref="EndOutage"/> or until
    /// <paramref name="duration"/> has passed on the server's <see cref="TimeProvider"/>.
    /// </summary>
    /// <param name="fault">What every request gets, e.g. <c>new Fault(FaultKind.ServiceUnavailable)</c>.</param>
    /// <param name="duration">How long the outage lasts; <c>null</c> until ended.</param>
    public void StartOutage(Fault fault, TimeSpan? duration = null)
    {
        if (duration < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), duration, "must not be negative");
        var until = duration is { } d ? _time.GetUtcNow() + d : DateTimeOffset.MaxValue;
        _outage = new Outage(fault, until);
    }

    /// <summary>Ends the outage now, if there is one.</summary>
    public void EndOutage() => _outage = null;

    /// <summary>Empties the queue, forgets call-id scripts and ends any outage; the random rates stay.</summary>
    public void Clear()
    {
        _queue.Clear();
        _callScripts.Clear();
        Volatile.Write(ref _callScriptCount, 0);
        _outage = null;
    }

    /// <summary>The fault for one request.</summary>
    /// <param name="headerScript">The request's fault header, or <c>null</c>.</param>
    /// <param name="callId">The request's call id, or <c>null</c>.</param>
    /// <param name="arrival">How many times the call id has arrived, this time included (1 without a call id).</param>
    /// <param name="invalidHeader">Set when the header is not a valid script.</param>
    internal Fault Decide(string? headerScript, string? callId, long arrival, out bool invalidHeader)
    {
        invalidHeader = false;
        if (headerScript is not null)
        {
            if (FaultScript.TryParse(headerScript, out var script)) return script.ForArrival(arrival);
            invalidHeader = true;
            return Fault.None;
        }

        if (callId is not null && Volatile.Read(ref _callScriptCount) > 0 && _callScripts.TryGetValue(callId, out var callScript))
            return callScript.ForArrival(arrival);

        if (!_queue.IsEmpty && _queue.TryDequeue(out var queued)) return queued;

        if (CurrentOutage() is { } outage) return outage.Fault;

        return _table.Draw(_random);
    }

    private Outage? CurrentOutage()
    {
        var outage = _outage;
        if (outage is null) return null;
        if (_time.GetUtcNow() < outage.Until) return outage;
        // Only clear the outage we looked at, not one started meanwhile.
        Interlocked.CompareExchange(ref _outage, null, outage);
        return null;
    }

    private sealed record Outage(Fault Fault, DateTimeOffset Until);

    /// <summary>The rates as cumulative thresholds, so a draw is one random number and a short scan.</summary>
    private sealed class FaultTable
    {
        private readonly FaultKind[] _kinds;
        private readonly double[] _thresholds;

        public FaultTable(FaultOptions options)
        {
            Options = options;
            var kinds = new List<FaultKind>();
            var thresholds = new List<double>();
            var sum = 0.0;
            foreach (var (kind, rate) in options.Rates.OrderBy(pair => pair.Key))
            {
                if (rate <= 0) continue;
                sum += rate;
                kinds.Add(kind);
                thresholds.Add(sum);
            }

            _kinds = [.. kinds];
            _thresholds = [.. thresholds];
        }

        public FaultOptions Options { get; }

        public Fault Draw(SharedRandom random)
        {
            if (_kinds.Length == 0) return Fault.None;
            var u = random.NextDouble();
            for (var i = 0; i < _kinds.Length; i++)
            {
                if (u < _thresholds[i])
                {
                    var kind = _kinds[i];
                    var retryAfter = kind is FaultKind.TooManyRequests or FaultKind.ServiceUnavailable ? Options.RetryAfter : null;
                    return new Fault(kind, retryAfter);
                }
            }

            return Fault.None;
        }
    }
}
