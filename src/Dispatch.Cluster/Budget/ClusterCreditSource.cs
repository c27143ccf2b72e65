using System.Threading.Channels;
using Dispatch.Cluster.Redis;
using Dispatch.Core.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dispatch.Cluster.Budget;

/// <summary>
/// An endpoint's credits in cluster mode: the <see cref="ICreditSource"/> a RateLimiter actor draws from,
/// backed by the <see cref="SharedBudget"/> every node shares. Grants are answered at once from a leased
/// batch (<see cref="ClusterOptions.LeaseSize"/> requests, spendable for <see cref="ClusterOptions.LeaseDuration"/>);
/// when the batch cannot serve a request, a new lease is fetched in the background and the request is
/// told to retry shortly, so the actor never blocks on Redis.
/// </summary>
/// <remarks>
/// <para>Every Redis command (leases, returns of unused credits, reconciliations, pauses, pause checks)
/// runs on one background worker, in order, one at a time: a batch's unused credits are given back
/// before the next batch is asked for, and at most one lease request is ever in flight. Token
/// corrections that arrive after a batch was retired are gathered and sent once per batch and
/// <see cref="ClusterOptions.PauseCheckInterval"/>, so Redis sees a few commands per batch, not per call.</para>
/// <para>Over-granting is impossible by construction: every credit granted here comes from a lease the
/// budget counted in full for its whole span, and none is granted after the lease's local deadline.
/// Credits of a node that dies holding a lease are only left unused.</para>
/// <para>A 429 on any node pauses every node: <see cref="PauseUntil"/> stops grants here at once and
/// records the pause in Redis; pauses recorded by other nodes are seen at the next lease, and a busy
/// node also checks for them every <see cref="ClusterOptions.PauseCheckInterval"/>.</para>
/// <para>Thread-safe: called on the actor's thread while the worker updates it.</para>
/// </remarks>
public sealed class ClusterCreditSource : ICreditSource, IAsyncDisposable
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinRefillWait = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan MaxRefillWait = TimeSpan.FromMilliseconds(50);

    private readonly SharedBudget _budget;
    private readonly string _endpoint;
    private readonly BudgetLimits _limits;
    private readonly ClusterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Channel<Work> _work = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<long, LocalGrant> _grants = [];
    private readonly Queue<LeaseRecord> _leases = new();
    private readonly Task _worker;
    private readonly ITimer _flushTimer;
    private readonly HashSet<LeaseRecord> _corrected = [];
    private LeaseRecord? _current;
    private long _lastGrantId;
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
    private DateTimeOffset _refillNotBefore = DateTimeOffset.MinValue;
    private DateTimeOffset _nextPauseCheck = DateTimeOffset.MinValue;
    private TimeSpan _refillWait = MinRefillWait;
    private TimeSpan _backoff = MinBackoff;
    private bool _refilling;
    private bool _disposed;

    /// <summary>Creates the source of <paramref name="endpoint"/>, whose limits <paramref name="budget"/> holds.</summary>
    /// <param name="budget">The shared budget; it must have <paramref name="endpoint"/> configured.</param>
    /// <param name="endpoint">The endpoint's name.</param>
    /// <param name="options">The lease size and duration, and how often to look for other nodes' pauses.</param>
    /// <param name="logger">Where failed Redis commands are logged.</param>
    /// <exception cref="ArgumentException">The endpoint has no budget, or the options are invalid.</exception>
    public ClusterCreditSource(SharedBudget budget, string endpoint, ClusterOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(options);
        _budget = budget;
        _endpoint = endpoint;
        _limits = budget.LimitsOf(endpoint);
        _options = options.Validate();
        _time = budget.TimeProvider;
        _logger = logger ?? NullLogger.Instance;
        _flushTimer = _time.CreateTimer(_ => FlushCorrections(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _worker = Task.Run(WorkAsync);
    }

    /// <summary>The budget limits that stand for an endpoint's <c>rate-limit</c>: an unlimited kind becomes <see cref="BudgetLimits.MaxLimit"/>.</summary>
    public static BudgetLimits LimitsFor(RateLimitOptions rateLimit)
    {
        ArgumentNullException.ThrowIfNull(rateLimit);
        return new BudgetLimits(rateLimit.Requests ?? BudgetLimits.MaxLimit, rateLimit.Tokens ?? BudgetLimits.MaxLimit, rateLimit.Interval);
    }

    /// <summary>The endpoint whose credits these are.</summary>
    public string Endpoint => _endpoint;

    /// <inheritdoc />
    public long? RequestLimit => _limits.Requests >= BudgetLimits.MaxLimit ? null : _limits.Requests;

    /// <inheritdoc />
    public long? TokenLimit => _limits.Tokens >= BudgetLimits.MaxLimit ? null : _limits.Tokens;

    /// <inheritdoc />
    public bool IsShared => true;

    /// <summary>Told about every grant with the lease it came from (tests audit windows with it).</summary>
    internal Action<long, BudgetAcquisition, long>? Granted { get; set; }

    /// <inheritdoc />
    public CreditAttempt TryAcquire(int requests, long tokens, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(requests, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        if (requests > _limits.Requests || tokens > _limits.Tokens) return CreditAttempt.NotBefore(DateTimeOffset.MaxValue);
        lock (_gate)
        {
            if (_disposed) return CreditAttempt.NotBefore(DateTimeOffset.MaxValue);
            if (now < _pausedUntil) return CreditAttempt.NotBefore(_pausedUntil);
            CheckPauseIfDue(now);

            long timestamp = _time.GetTimestamp();
            if (_current is { } lease && Take(lease.Credits, requests, tokens, timestamp))
            {
                long id = ++_lastGrantId;
                _grants[id] = new LocalGrant(lease, tokens);
                lease.LastGrantId = id;
                Granted?.Invoke(id, lease.Credits.Lease, tokens);
                return CreditAttempt.Grant(id);
            }

            // The batch cannot serve the head of the line (spent, expired, or short of tokens): give its
            // rest back before asking for the next, so the budget can hand it to whoever needs it.
            RetireCurrent();
            if (!_refilling && now >= _refillNotBefore)
            {
                _refilling = true;
                _work.Writer.TryWrite(Work.Refill(requests, tokens));
            }
            var retryAt = now + _refillWait;
            return CreditAttempt.NotBefore(retryAt > _refillNotBefore ? retryAt : _refillNotBefore);
        }
    }

    /// <inheritdoc />
    public bool Reconcile(long grantId, long actualTokens, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(actualTokens);
        lock (_gate)
        {
            Prune(_time.GetTimestamp());
            if (!_grants.TryGetValue(grantId, out var grant)) return false;
            long delta = actualTokens - grant.Tokens;
            _grants[grantId] = grant with { Tokens = actualTokens };
            grant.Lease.Credits.AdjustTokens(delta);
            // A batch still being spent is corrected when it is retired. Corrections of retired batches are
            // gathered for a pause-check interval and sent once per batch, not once per call.
            if (grant.Lease.Retired && _corrected.Add(grant.Lease) && _corrected.Count == 1)
                _flushTimer.Change(_options.PauseCheckInterval, Timeout.InfiniteTimeSpan);
            return true;
        }
    }

    /// <inheritdoc />
    public void PauseUntil(DateTimeOffset until)
    {
        lock (_gate)
        {
            if (_disposed || until <= _pausedUntil) return;
            _pausedUntil = until;
            RetireCurrent();
            _work.Writer.TryWrite(Work.Pause(until));
        }
    }

    /// <inheritdoc />
    /// <remarks>Also looks for other nodes' pauses (at most every <see cref="ClusterOptions.PauseCheckInterval"/>): a limiter that asks for no credits still asks for this.</remarks>
    public CreditBalance Available(DateTimeOffset now)
    {
        lock (_gate)
        {
            if (!_disposed) CheckPauseIfDue(now);
            var credits = _current?.Credits;
            bool usable = credits is not null && _time.GetTimestamp() < credits.Lease.UseBeforeTimestamp;
            return new CreditBalance(
                RequestLimit is null ? null : usable ? credits!.RemainingRequests : 0,
                TokenLimit is null ? null : usable ? credits!.RemainingTokens : 0,
                now < _pausedUntil ? _pausedUntil : null);
        }
    }

    /// <summary>Gives the unspent part of the current batch back to the budget and stops the background worker.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            RetireCurrent();
            QueueCorrections();
            _work.Writer.TryComplete();
        }
        await _flushTimer.DisposeAsync().ConfigureAwait(false);
        await _worker.ConfigureAwait(false);
    }

    private void CheckPauseIfDue(DateTimeOffset now)
    {
        if (now < _nextPauseCheck) return;
        _nextPauseCheck = now + _options.PauseCheckInterval;
        _work.Writer.TryWrite(Work.CheckPause);
    }

    private static bool Take(LeasedCredits credits, int requests, long tokens, long timestamp)
    {
        if (credits.RemainingRequests < requests || !credits.CanTake(tokens, timestamp)) return false;
        credits.TryTake(tokens, timestamp);
        for (int i = 1; i < requests; i++) credits.TryTake(0, timestamp);
        return true;
    }

    private void RetireCurrent()
    {
        if (_current is not { } lease) return;
        _current = null;
        lease.Retired = true;
        QueueReturn(lease);
    }

    private void QueueReturn(LeaseRecord lease) => _work.Writer.TryWrite(Work.Return(lease));

    private void FlushCorrections()
    {
        lock (_gate) QueueCorrections();
    }

    private void QueueCorrections()
    {
        foreach (var lease in _corrected) QueueReturn(lease);
        _corrected.Clear();
    }

    /// <summary>Forgets batches that have left every window: their grants can no longer be corrected.</summary>
    private void Prune(long timestamp)
    {
        long window = (long)(_limits.Interval.TotalSeconds * _time.TimestampFrequency);
        while (_leases.TryPeek(out var oldest) && oldest.Retired && oldest.Credits.Lease.UseBeforeTimestamp + window < timestamp)
        {
            _leases.Dequeue();
            for (long id = oldest.FirstGrantId; id <= oldest.LastGrantId; id++) _grants.Remove(id);
        }
    }

    private async Task WorkAsync()
    {
        await foreach (var work in _work.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                switch (work.Kind)
                {
                    case WorkKind.Refill:
                        await RefillAsync(work.Requests, work.Tokens).ConfigureAwait(false);
                        break;
                    case WorkKind.Return:
                        // The amounts are read when sent, so a return queued before later corrections still carries them.
                        string grantId;
                        long usedRequests, usedTokens;
                        lock (_gate) (grantId, usedRequests, usedTokens) = (work.Lease!.Credits.Lease.GrantId, work.Lease.Credits.UsedRequests, work.Lease.Credits.UsedTokens);
                        await _budget.ReconcileAsync(_endpoint, grantId, usedRequests, usedTokens).ConfigureAwait(false);
                        break;
                    case WorkKind.Pause:
                        await _budget.PauseAsync(_endpoint, work.Until).ConfigureAwait(false);
                        break;
                    case WorkKind.CheckPause:
                        var pausedFor = await _budget.PausedForAsync(_endpoint).ConfigureAwait(false);
                        if (pausedFor > TimeSpan.Zero) ObservePause(pausedFor);
                        break;
                }
            }
            catch (Exception ex)
            {
                // A lost return or correction only leaves the budget counting the whole lease (under-use);
                // a lost pause still holds on this node. A failed refill backs off below. Nothing here may end
                // the worker: the actor would wait for a lease that never comes.
                if (ex is RedisException) _logger.LogWarning("Cluster budget {Work} for endpoint {Endpoint} failed: {Error}", work.Kind, _endpoint, ex.Message);
                else _logger.LogError(ex, "Cluster budget {Work} for endpoint {Endpoint} failed unexpectedly", work.Kind, _endpoint);
                if (work.Kind == WorkKind.Refill) RefillFailed();
            }
        }
    }

    private async Task RefillAsync(int requests, long tokens)
    {
        long started = _time.GetTimestamp();
        var lease = await _budget.LeaseAsync(_endpoint, MaxRequests(requests), MaxTokens(tokens), _options.LeaseDuration, requests, tokens)
            .ConfigureAwait(false);
        var roundTrip = _time.GetElapsedTime(started);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _refilling = false;
            _backoff = MinBackoff;
            _refillWait = roundTrip < MinRefillWait ? MinRefillWait : roundTrip > MaxRefillWait ? MaxRefillWait : roundTrip;
            switch (lease.Denial)
            {
                case BudgetDenial.None:
                    Prune(_time.GetTimestamp());
                    var record = new LeaseRecord(new LeasedCredits(_endpoint, lease), _lastGrantId + 1);
                    if (_disposed)
                    {
                        record.Retired = true;
                        QueueReturn(record);
                        return;
                    }
                    _leases.Enqueue(record);
                    _current = record;
                    // The lease was granted, so no pause was in force: the next check can wait a whole interval.
                    _nextPauseCheck = now + _options.PauseCheckInterval;
                    break;
                case BudgetDenial.Paused:
                    if (now + lease.RetryAfter > _pausedUntil) _pausedUntil = now + lease.RetryAfter;
                    break;
                default:
                    _refillNotBefore = now + lease.RetryAfter;
                    break;
            }
        }
    }

    private void RefillFailed()
    {
        lock (_gate)
        {
            _refilling = false;
            _refillNotBefore = _time.GetUtcNow() + _backoff;
            _backoff = _backoff * 2 > MaxBackoff ? MaxBackoff : _backoff * 2;
        }
    }

    private void ObservePause(TimeSpan pausedFor)
    {
        lock (_gate)
        {
            var until = _time.GetUtcNow() + pausedFor;
            if (until <= _pausedUntil) return;
            _pausedUntil = until;
            RetireCurrent();
        }
    }

    private long MaxRequests(int requests) => Math.Max(requests, Math.Min(_options.LeaseSize, _limits.Requests));

    /// <summary>A batch's tokens: the head's need, or the batch's share of the token limit at the limits' ratio, whichever is more.</summary>
    private long MaxTokens(long tokens)
    {
        if (_limits.Tokens >= BudgetLimits.MaxLimit || _limits.Requests >= BudgetLimits.MaxLimit)
            return Math.Min(_limits.Tokens, Math.Max(tokens, 1) * _options.LeaseSize);
        long share = (long)Math.Ceiling((double)_limits.Tokens * _options.LeaseSize / _limits.Requests);
        return Math.Min(_limits.Tokens, Math.Max(tokens, share));
    }

    private sealed class LeaseRecord(LeasedCredits credits, long firstGrantId)
    {
        public LeasedCredits Credits { get; } = credits;

        public long FirstGrantId { get; } = firstGrantId;

        public long LastGrantId { get; set; } = firstGrantId - 1;

        public bool Retired { get; set; }
    }

    private readonly record struct LocalGrant(LeaseRecord Lease, long Tokens);

    private enum WorkKind
    {
        Refill,
        Return,
        Pause,
        CheckPause,
    }

    private readonly record struct Work(WorkKind Kind, int Requests, long Tokens, LeaseRecord? Lease, DateTimeOffset Until)
    {
        public static Work CheckPause => new(WorkKind.CheckPause, 0, 0, null, default);

        public static Work Refill(int requests, long tokens) => new(WorkKind.Refill, requests, tokens, null, default);

        public static Work Return(LeaseRecord lease) => new(WorkKind.Return, 0, 0, lease, default);

        public static Work Pause(DateTimeOffset until) => new(WorkKind.Pause, 0, 0, null, until);
    }
}
