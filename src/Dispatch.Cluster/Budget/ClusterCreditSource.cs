using System.Threading.Channels;
using Dispatch.Cluster.Redis;
using Dispatch.Core.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dispatch.Cluster.Budget;

/// <summary>
/// An endpoint's credits in cluster mode: the <see cref="ICreditSource"/> a RateLimiter actor draws from,
/// backed by the <see cref="SharedBudget"/> every node shares. Grants are answered at once from a leased
/// batch (at least <see cref="ClusterOptions.LeaseSize"/> requests, spendable for <see cref="ClusterOptions.LeaseDuration"/>,
/// or a twentieth of the endpoint's interval if that is shorter);
/// when the batch cannot serve a request, a new lease is fetched in the background and the request is
/// told to retry shortly, so the actor never blocks on Redis.
/// </summary>
/// <remarks>
/// <para>Every Redis command (leases, returns of unused credits, reconciliations, pauses, pause checks)
/// runs on one background worker, in order, one at a time, so at most one lease request is ever in flight.
/// The returns of retired batches and the token corrections of their calls ride along with the next lease
/// request (one script run applies them first, then leases); only when no lease is asked for within
/// <see cref="ClusterOptions.PauseCheckInterval"/> are they sent on their own. A busy node thus makes one
/// round trip per batch.</para>
/// <para>The batch adapts to demand: a batch spent before its end doubles the next one, a batch that ran
/// out of time sizes the next to what was spent in it; never less than <see cref="ClusterOptions.LeaseSize"/>,
/// and never more than a tenth of the request limit (at most <see cref="MaxAdaptiveLeaseSize"/>), so one node
/// cannot hold much of a window that others wait for.</para>
/// <para>A lease counts in every window its span touches, so under a saturated limit each credit is held for
/// the interval plus the lease's span: the aggregate rate is at most interval / (interval + span) of the limit.
/// Spans of at most a twentieth of the interval keep that above 95%.</para>
/// <para>Over-granting is impossible by construction, whatever the batch size: every credit granted here comes
/// from a lease the budget counted in full for its whole span, and none is granted after the lease's local
/// deadline. A return only shrinks a lease already closed here to what was taken from it. Credits of a node
/// that dies holding a lease, or before its returns were sent, are only left unused.</para>
/// <para>A 429 on any node pauses every node: <see cref="PauseUntil"/> stops grants here at once and
/// records the pause in Redis; pauses recorded by other nodes are seen at the next lease, and a node spending
/// a lease also checks for them every <see cref="ClusterOptions.PauseCheckInterval"/>.</para>
/// <para>Thread-safe: called on the actor's thread while the worker updates it.</para>
/// </remarks>
public sealed class ClusterCreditSource : ICreditSource, IAsyncDisposable
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MinRefillWait = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan MaxRefillWait = TimeSpan.FromMilliseconds(50);

    /// <summary>The largest batch the source grows to, also for an endpoint without a request limit.</summary>
    public const int MaxAdaptiveLeaseSize = 1000;

    /// <summary>Tokens a batch takes of an endpoint without a token limit: 2^20 such batches fit the largest limit at once.</summary>
    private const long UnlimitedTokensPerLease = BudgetLimits.MaxLimit >> 20;

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
    private readonly HashSet<LeaseRecord> _unsent = [];
    private readonly int _maxLeaseSize;
    private readonly TimeSpan _leaseDuration;
    private LeaseRecord? _current;
    private DateTimeOffset _unsentSince;
    private int _leaseSize;
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
        _leaseSize = _options.LeaseSize;
        _leaseDuration = _limits.Interval / 20 < _options.LeaseDuration ? _limits.Interval / 20 : _options.LeaseDuration;
        _maxLeaseSize = (int)Math.Max(_options.LeaseSize, Math.Min(_limits.Requests / 10, MaxAdaptiveLeaseSize));
        _flushTimer = _time.CreateTimer(_ => FlushIfDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _worker = Task.Run(WorkAsync);
    }

    /// <summary>
    /// The budget limits that stand for an endpoint's <c>rate-limit</c>: an unlimited kind becomes <see cref="BudgetLimits.MaxLimit"/>,
    /// and the budget's window is <see cref="RateLimitOptions.Window"/> (the interval plus the guard), as in standalone mode.
    /// </summary>
    public static BudgetLimits LimitsFor(RateLimitOptions rateLimit)
    {
        ArgumentNullException.ThrowIfNull(rateLimit);
        // A grant keeps counting for the guard after its interval, so a call delayed on its way cannot meet the next one in the provider's window.
        return new BudgetLimits(rateLimit.Requests ?? BudgetLimits.MaxLimit, rateLimit.Tokens ?? BudgetLimits.MaxLimit, rateLimit.Window);
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

    /// <summary>The request credits the next lease asks for (at least the head's need).</summary>
    internal int NextLeaseSize
    {
        get { lock (_gate) return _leaseSize; }
    }

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
            long timestamp = _time.GetTimestamp();
            // Only credits spent without asking Redis need a look for other nodes' pauses: a lease request sees them anyway.
            if (_current is { } live && timestamp < live.Credits.Lease.UseBeforeTimestamp) CheckPauseIfDue(now);

            if (_current is { } lease && Take(lease.Credits, requests, tokens, timestamp))
            {
                long id = ++_lastGrantId;
                _grants[id] = new LocalGrant(lease, tokens);
                lease.LastGrantId = id;
                Granted?.Invoke(id, lease.Credits.Lease, tokens);
                return CreditAttempt.Grant(id);
            }

            // The batch cannot serve the head of the line (spent, expired, or short of tokens): its rest goes
            // back with the next lease request, so the budget can hand it to whoever needs it.
            if (_current is { } done) Resize(done.Credits, timestamp);
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
            // A batch still being spent is corrected when it is retired; corrections of retired batches go with the next lease request.
            if (grant.Lease.Retired) MarkUnsent(grant.Lease);
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
            // The worker sends what is still unsent once it has done the work already queued.
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

    /// <summary>Sizes the next lease by how the last one went: spent in time, it was too small; out of time, it was as big as needed.</summary>
    private void Resize(LeasedCredits spent, long timestamp)
    {
        long size = timestamp < spent.Lease.UseBeforeTimestamp ? 2 * spent.Lease.Requests : spent.UsedRequests;
        _leaseSize = (int)Math.Clamp(size, _options.LeaseSize, _maxLeaseSize);
    }

    private void RetireCurrent()
    {
        if (_current is not { } lease) return;
        _current = null;
        lease.Retired = true;
        lease.Credits.Close();
        MarkUnsent(lease);
    }

    /// <summary>Notes that the budget's record of a retired lease is out of date; it is sent with the next lease request, or on its own when none comes.</summary>
    private void MarkUnsent(LeaseRecord lease)
    {
        if (!_unsent.Add(lease) || _unsent.Count > 1) return;
        _unsentSince = _time.GetUtcNow();
        _flushTimer.Change(_options.PauseCheckInterval, Timeout.InfiniteTimeSpan);
    }

    private void FlushIfDue()
    {
        lock (_gate)
        {
            if (_unsent.Count == 0 || _disposed) return;
            var waited = _time.GetUtcNow() - _unsentSince;
            if (waited < _options.PauseCheckInterval) _flushTimer.Change(_options.PauseCheckInterval - waited, Timeout.InfiniteTimeSpan);
            else _work.Writer.TryWrite(Work.Flush);
        }
    }

    /// <summary>Takes the unsent leases' amounts as they are now; a later correction marks a lease unsent again.</summary>
    private (LeaseRecord[] Leases, GrantCorrection[] Corrections) TakeUnsent()
    {
        lock (_gate)
        {
            if (_unsent.Count == 0) return ([], []);
            var leases = _unsent.ToArray();
            _unsent.Clear();
            return (leases, leases.Select(l => new GrantCorrection(l.Credits.Lease.GrantId, l.Credits.UsedRequests, l.Credits.UsedTokens)).ToArray());
        }
    }

    /// <summary>Marks leases unsent again after the command carrying them failed (a correction is absolute, so sending it twice is harmless).</summary>
    private void Unsent(LeaseRecord[] leases)
    {
        if (leases.Length == 0) return;
        lock (_gate)
        {
            // After disposal nothing would send them: the budget keeps counting those leases in full (under-use only).
            if (_disposed) return;
            long timestamp = _time.GetTimestamp();
            // A lease that has left every window has nothing left to correct (while Redis is down, this ends the retries).
            foreach (var lease in leases.Where(l => !LeftEveryWindow(l, timestamp))) MarkUnsent(lease);
        }
    }

    private async Task FlushAsync()
    {
        var (leases, corrections) = TakeUnsent();
        if (corrections.Length == 0) return;
        try
        {
            await _budget.ReconcileManyAsync(_endpoint, corrections).ConfigureAwait(false);
        }
        catch
        {
            Unsent(leases);
            throw;
        }
    }

    /// <summary>Forgets batches that have left every window: their grants can no longer be corrected.</summary>
    private void Prune(long timestamp)
    {
        while (_leases.TryPeek(out var oldest) && oldest.Retired && LeftEveryWindow(oldest, timestamp))
        {
            _leases.Dequeue();
            for (long id = oldest.FirstGrantId; id <= oldest.LastGrantId; id++) _grants.Remove(id);
        }
    }

    private bool LeftEveryWindow(LeaseRecord lease, long timestamp) =>
        lease.Credits.Lease.UseBeforeTimestamp + (long)(_limits.Interval.TotalSeconds * _time.TimestampFrequency) < timestamp;

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
                    case WorkKind.Flush:
                        await FlushAsync().ConfigureAwait(false);
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
        // Disposed: give back what the last batches did not use.
        try
        {
            await FlushAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            _logger.LogWarning("Cluster budget of endpoint {Endpoint} could not give back unused credits on shutdown: {Error}", _endpoint, ex.Message);
        }
    }

    private async Task RefillAsync(int requests, long tokens)
    {
        long maxRequests, maxTokens;
        lock (_gate) (maxRequests, maxTokens) = (MaxRequests(requests), MaxTokens(tokens));
        var (returned, corrections) = TakeUnsent();
        long started = _time.GetTimestamp();
        BudgetAcquisition lease;
        try
        {
            lease = await _budget.LeaseCorrectingAsync(_endpoint, maxRequests, maxTokens, _leaseDuration, requests, tokens, corrections)
                .ConfigureAwait(false);
        }
        catch
        {
            Unsent(returned);
            throw;
        }
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
                        // The worker's last flush gives it back.
                        record.Retired = true;
                        _unsent.Add(record);
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

    private long MaxRequests(int requests) => Math.Max(requests, Math.Min(_leaseSize, _limits.Requests));

    /// <summary>
    /// A batch's tokens: the head's need, or the batch's share of the token limit at the limits' ratio, whichever is more.
    /// Without a token limit, a share so large no call runs short of it; without a request limit, the head's need per request.
    /// </summary>
    private long MaxTokens(long tokens)
    {
        if (_limits.Tokens >= BudgetLimits.MaxLimit) return Math.Max(tokens, UnlimitedTokensPerLease);
        if (_limits.Requests >= BudgetLimits.MaxLimit) return Math.Min(_limits.Tokens, Math.Max(tokens, 1) * _leaseSize);
        long share = (long)Math.Ceiling((double)_limits.Tokens * _leaseSize / _limits.Requests);
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
        Flush,
        Pause,
        CheckPause,
    }

    private readonly record struct Work(WorkKind Kind, int Requests, long Tokens, DateTimeOffset Until)
    {
        public static Work CheckPause => new(WorkKind.CheckPause, 0, 0, default);

        public static Work Flush => new(WorkKind.Flush, 0, 0, default);

        public static Work Refill(int requests, long tokens) => new(WorkKind.Refill, requests, tokens, default);

        public static Work Pause(DateTimeOffset until) => new(WorkKind.Pause, 0, 0, until);
    }
}
