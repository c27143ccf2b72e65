using Dispatch.Cluster.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Leasing;

/// <summary>
/// What one node learns from the provider's answers, gathered into the few <see cref="LimitObserved"/> reports its
/// owner needs: a busy node answers hundreds of calls per lease span, and the owner needs one reading per change.
/// </summary>
/// <remarks>
/// <para>
/// A report is due, at most once per <c>reportEvery</c> (the lease span), when it may lower what the owner believes
/// (a reported limit below the limits in force the owner announced, or a 429 without headers), or when nothing went
/// for a whole window: a reading that keeps the owner's belief alive (it believes one for at least two windows), a
/// reading of <c>remaining</c> only, or the successes that raise a lowered limit again. It carries the latest
/// reading with this node's calls the provider had counted then (answered without a 429 in its interval, and those of
/// its last half apart), the
/// newest lease a 429 without headers came from, and the successes since the last report.
/// </para>
/// Time is passed in; not thread-safe (the credit source's lock).
/// </remarks>
internal sealed class Observations
{
    private readonly RateLimitOptions _limits;
    private readonly TimeSpan _every;
    private readonly Queue<(long Ticks, long Tokens, long GrantId)> _answered = new();
    private RateLimitReport? _reading;
    private DateTimeOffset _readAt;
    private long _readGrant;
    private LeaseNumber? _throttled;
    private int _successes;
    private bool _urgent;
    private DateTimeOffset _lastSentAt = DateTimeOffset.MinValue;

    /// <param name="limits">The endpoint's limits and learning settings.</param>
    /// <param name="every">The shortest time between two reports (the lease span).</param>
    public Observations(RateLimitOptions limits, TimeSpan every)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(every, TimeSpan.Zero);
        _limits = limits;
        _every = every;
        RequestsInForce = limits.Requests;
        TokensInForce = limits.Tokens;
    }

    /// <summary>The request limit the owner last announced it grants from.</summary>
    public long? RequestsInForce { get; private set; }

    /// <summary>The token limit the owner last announced it grants from.</summary>
    public long? TokensInForce { get; private set; }

    /// <summary>The owner's announcement of the limits it grants from (<see cref="Protocol.LimitsInForce"/>).</summary>
    /// <param name="requests">Requests per interval in force.</param>
    /// <param name="tokens">Tokens per interval in force.</param>
    public void InForce(long? requests, long? tokens)
    {
        RequestsInForce = _limits.Requests is null ? null : requests ?? _limits.Requests;
        TokensInForce = _limits.Tokens is null ? null : tokens ?? _limits.Tokens;
    }

    /// <summary>Takes in one answer; returns whether a report is due now.</summary>
    /// <param name="report">The answer's rate-limit headers.</param>
    /// <param name="throttled">Whether it was a 429.</param>
    /// <param name="grant">The lease the call's credits came from and its tokens, if still known.</param>
    /// <param name="now">The current time.</param>
    /// <param name="grantId">The call's grant, which orders it among this node's grants.</param>
    public bool Record(RateLimitReport report, bool throttled, (long Owner, long Lease, long Tokens)? grant, DateTimeOffset now, long grantId = 0)
    {
        Forget(now);
        if (!throttled)
        {
            _answered.Enqueue((now.UtcTicks, grant?.Tokens ?? 0, grantId));
            if (_successes < int.MaxValue) _successes++;
        }

        if (_limits.LearnFromHeaders && !report.IsEmpty)
        {
            // A provider that sends headers is not learned from by its 429s, even when its figures count a longer window.
            if (report.Within(_limits.Window) is { IsEmpty: false } reading)
            {
                _reading = reading;
                _readAt = now;
                _readGrant = grantId;
                if (reading.RequestLimit < RequestsInForce || reading.TokenLimit < TokensInForce) _urgent = true;
            }
        }
        else if (throttled && _limits.LearnFrom429s && grant is { } lease)
        {
            _throttled = new LeaseNumber(lease.Owner, lease.Lease);
            _urgent = true;
        }

        return IsDue(now);
    }

    /// <summary>Whether a report should go now.</summary>
    /// <param name="now">The current time.</param>
    public bool IsDue(DateTimeOffset now)
    {
        var lowered = RequestsInForce < _limits.Requests || TokensInForce < _limits.Tokens;
        var news = _reading is not null || _throttled is not null || (lowered && _successes > 0);
        if (!news || now < _lastSentAt + _every) return false;
        return _urgent || now >= _lastSentAt + _limits.Window;
    }

    /// <summary>The report of what was gathered since the last one, or <see langword="null"/> when none is due.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="now">The current time.</param>
    public LimitObserved? Take(string endpoint, DateTimeOffset now)
    {
        if (!IsDue(now)) return null;
        var reading = _reading ?? default;
        var age = now - _readAt;
        var counted = _reading is null ? (0, 0) : AnsweredBefore(DateTimeOffset.MinValue);
        var recent = _reading is null ? (0, 0) : AnsweredBefore(_readAt - (_limits.Interval / 2));
        var report = new LimitObserved(
            endpoint,
            reading.RequestLimit,
            reading.RemainingRequests,
            Less(reading.ResetRequests, age),
            counted.Requests,
            recent.Requests,
            reading.TokenLimit,
            reading.RemainingTokens,
            Less(reading.ResetTokens, age),
            counted.Tokens,
            recent.Tokens,
            _throttled,
            _successes);
        _reading = null;
        _throttled = null;
        _successes = 0;
        _urgent = false;
        _lastSentAt = now;
        return report;
    }

    /// <summary>
    /// The answers (and their tokens) after <paramref name="from"/> of calls granted no later than the reading's, as
    /// a standalone endpoint counts them: answers are read in any order, and a call granted after the reading's may
    /// have reached the provider after it answered, so its count need not hold it.
    /// </summary>
    private (long Requests, long Tokens) AnsweredBefore(DateTimeOffset from)
    {
        long requests = 0, tokens = 0;
        foreach (var (ticks, answerTokens, grantId) in _answered)
        {
            if (ticks <= from.UtcTicks || grantId > _readGrant) continue;
            requests++;
            tokens += answerTokens;
        }

        return (requests, tokens);
    }

    /// <summary>
    /// Drops the answers the provider may no longer count: those older than its interval less the guard. A call reached
    /// the provider before its answer came, by as much as the machine was slow to read it; the guard is the delay the
    /// whole rate limiting allows for, and leaving it out makes the count err low rather than high.
    /// </summary>
    private void Forget(DateTimeOffset now)
    {
        var cutoff = now.UtcTicks - (_limits.Interval - (_limits.Window - _limits.Interval)).Ticks;
        while (_answered.Count > 0 && _answered.Peek().Ticks <= cutoff) _answered.Dequeue();
    }

    private static TimeSpan? Less(TimeSpan? reset, TimeSpan age) => reset is { } value ? (value > age ? value - age : TimeSpan.Zero) : null;
}
