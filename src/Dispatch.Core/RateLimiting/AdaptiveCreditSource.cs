namespace Dispatch.Core.RateLimiting;

/// <summary>
/// The credit source an endpoint's rate limiter uses: another source (the <see cref="SlidingWindowLedger"/>,
/// or a cluster lease) with grants paced as providers enforce limits, and limits lowered to what
/// the provider reports. The source beneath still guarantees the configured window; this only ever
/// grants later or less, never more.
/// </summary>
/// <remarks>
/// <para>
/// <b>Pacing.</b> With <see cref="RateLimitPacing.Smooth"/>, a <see cref="Pacer"/> per limited kind
/// spaces request and token credits evenly at the limit in force per window, at most the burst at
/// once. A grant is made only when both pacers and the source beneath allow it.
/// </para>
/// <para>
/// <b>Learning.</b> <see cref="Observe"/> hands each answer's rate-limit headers, or its 429, to a
/// <see cref="LearnedLimit"/> per kind; the limits in force go to the source beneath
/// (<see cref="ICreditSource.LimitTo"/>) and to the pacers. To know how many of our grants the
/// provider had counted when it reported, grants get their own sequence numbers (the grant ids handed
/// out) and are kept for one window beside the source's ids, which reconciliation is passed on with, in a
/// <see cref="GrantLog"/> that counts them without walking the window.
/// </para>
/// Not thread-safe: owned by the rate limiter actor.
/// </remarks>
public sealed class AdaptiveCreditSource : ICreditSource
{
    private readonly ICreditSource _inner;
    private readonly RateLimitOptions _options;
    private readonly long _windowTicks;
    private readonly Pacer? _requestPacer;
    private readonly Pacer? _tokenPacer;
    private readonly LearnedLimit? _requestLimit;
    private readonly LearnedLimit? _tokenLimit;
    private readonly GrantLog _grants;
    private long? _requestsInForce;
    private long? _tokensInForce;

    /// <summary>Wraps <paramref name="inner"/> with the pacing and learning of <paramref name="options"/>.</summary>
    /// <param name="inner">Where credits come from; it enforces the configured window.</param>
    /// <param name="options">The endpoint's limits, pacing and learning settings.</param>
    public AdaptiveCreditSource(ICreditSource inner, RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _inner = inner;
        _options = options;
        _windowTicks = options.Window.Ticks;
        _grants = new GrantLog(options.Window, options.Interval);
        var smooth = options.Pacing == RateLimitPacing.Smooth;
        if (inner.RequestLimit is { } requests)
        {
            _requestLimit = new LearnedLimit(requests, options.Window);
            if (smooth) _requestPacer = new Pacer(requests, options.Window, options.BurstFor(requests), Pacer.TimerLateness, options.CapPeriod, options.PeriodCapFor(requests));
        }

        if (inner.TokenLimit is { } tokens)
        {
            _tokenLimit = new LearnedLimit(tokens, options.Window);
            if (smooth) _tokenPacer = new Pacer(tokens, options.Window, options.TokenBurstFor(tokens), Pacer.TimerLateness, options.CapPeriod, options.PeriodCapFor(tokens));
        }

        _requestsInForce = inner.RequestLimit;
        _tokensInForce = inner.TokenLimit;
    }

    /// <inheritdoc />
    public long? RequestLimit => _inner.RequestLimit;

    /// <inheritdoc />
    public long? TokenLimit => _inner.TokenLimit;

    /// <inheritdoc />
    public bool IsShared => _inner.IsShared;

    /// <inheritdoc />
    public event Action CreditsArrived
    {
        add => _inner.CreditsArrived += value;
        remove => _inner.CreditsArrived -= value;
    }

    /// <inheritdoc />
    public CreditAttempt TryAcquire(int requests, long tokens, DateTimeOffset now)
    {
        var ticks = _grants.Advance(now);
        ApplyLimits(ticks);
        var wait = Math.Max(_requestPacer?.Wait(requests, ticks) ?? 0, _tokenPacer?.Wait(tokens, ticks) ?? 0);
        if (wait > 0) return CreditAttempt.NotBefore(new DateTimeOffset(ticks + wait, TimeSpan.Zero));

        var attempt = _inner.TryAcquire(requests, tokens, now);
        if (!attempt.Granted || (_requestLimit is null && _tokenLimit is null)) return attempt;

        // Each pacer forgives a late wake only its own refusal named: forgiving the other kind's, or the window's, when
        // its bucket was full lets more than the burst go at once (a leaky bucket of 5 answered 21 429s under load).
        _requestPacer?.Take(requests, ticks);
        _tokenPacer?.Take(tokens, ticks);
        return CreditAttempt.Grant(_grants.Append(ticks, attempt.GrantId, tokens));
    }

    /// <inheritdoc />
    public bool Reconcile(long grantId, long actualTokens, DateTimeOffset now)
    {
        _grants.Advance(now);
        if (_requestLimit is null && _tokenLimit is null) return _inner.Reconcile(grantId, actualTokens, now);
        if (!_grants.Contains(grantId)) return false;
        return _inner.Reconcile(_grants.Correct(grantId, actualTokens), actualTokens, now);
    }

    /// <inheritdoc />
    public void PauseUntil(DateTimeOffset until) => _inner.PauseUntil(until);

    /// <inheritdoc />
    public CreditBalance Available(DateTimeOffset now)
    {
        ApplyLimits(_grants.Advance(now));
        return _inner.Available(now) with { RequestLimit = _requestsInForce, TokenLimit = _tokensInForce };
    }

    /// <inheritdoc />
    public void LimitTo(long? requests, long? tokens) => _inner.LimitTo(requests, tokens);

    /// <inheritdoc />
    /// <remarks>
    /// A report's <c>remaining</c> is added to our grants the provider had counted by then: those in
    /// its interval up to and including the reporting call's grant, less the ones among them it refused
    /// (a 429 counts nothing). Refusals of later grants are not subtracted: they are not in the count.
    /// Later grants may have reached the provider before the reporting call, though, and grants of the guard's
    /// stretch before its interval within it: a remaining they explain lowers nothing (<see cref="LearnedLimit.Report"/>).
    /// The remaining of a call granted longer ago than one window (a long call) is ignored, as what the
    /// provider had counted then is no longer known (with nothing counted, the remaining read as the whole limit).
    /// A kind whose reported reset is longer than the window is ignored too: the provider counts it over a
    /// longer window than the one configured (a per-minute limit reported while its per-second quantization is
    /// configured), so neither its limit nor its remaining is a figure per interval. Such a provider still sends
    /// headers: its 429s are not 429s without headers, and its occasional 429 (arrival jitter) cuts nothing.
    /// </remarks>
    public bool Observe(long grantId, RateLimitReport report, bool throttled, DateTimeOffset now)
    {
        var ticks = _grants.Advance(now);
        var known = _grants.Contains(grantId);
        if (known && throttled) _grants.Refuse(grantId);

        if (_options.LearnFromHeaders && !report.IsEmpty)
        {
            report = report.Within(TimeSpan.FromTicks(_windowTicks));
            // For a grant older than the window kept here, what the provider had counted is unknown: its remaining says nothing.
            if (!known) report = report with { RemainingRequests = null, RemainingTokens = null };
            var counted = known ? _grants.CountedFor(grantId) : default;
            _requestLimit?.Report(report.RequestLimit, report.RemainingRequests, counted.Requests, report.ResetRequests, ticks, counted.MostRequests);
            _tokenLimit?.Report(report.TokenLimit, report.RemainingTokens, counted.Tokens, report.ResetTokens, ticks, counted.MostTokens);
        }
        else if (throttled && _options.LearnFrom429s)
        {
            var latest = _grants.Latest;
            var grant = known ? grantId : latest;
            _requestLimit?.Throttled(grant, latest, ticks);
            _tokenLimit?.Throttled(grant, latest, ticks);
        }

        if (!throttled)
        {
            _requestLimit?.Succeeded(ticks);
            _tokenLimit?.Succeeded(ticks);
        }

        return ApplyLimits(ticks);
    }

    /// <summary>Hands the limits in force to the pacers and the source beneath when they changed; returns whether either rose.</summary>
    private bool ApplyLimits(long ticks)
    {
        var requests = _requestLimit?.InForce(ticks);
        var tokens = _tokenLimit?.InForce(ticks);
        if (requests == _requestsInForce && tokens == _tokensInForce) return false;
        var rose = requests > _requestsInForce || tokens > _tokensInForce;
        _requestsInForce = requests;
        _tokensInForce = tokens;
        if (requests is { } r) _requestPacer?.SetLimit(r, _options.BurstFor(r), _options.PeriodCapFor(r));
        if (tokens is { } t) _tokenPacer?.SetLimit(t, _options.TokenBurstFor(t), _options.PeriodCapFor(t));
        _inner.LimitTo(requests, tokens);
        return rose;
    }
}
