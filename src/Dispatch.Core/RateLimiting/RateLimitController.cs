using Dispatch.Core.Queue;

namespace Dispatch.Core.RateLimiting;

/// <summary>
/// The rate limiter's state, without the actor: a FIFO line of credit requests in front of
/// an <see cref="ICreditSource"/>. Each request takes one request credit and its tokens.
/// </summary>
/// <remarks>
/// <para>
/// Grants go out strictly in line order: while the head cannot be granted, nobody behind it
/// is, so a large call is not starved by a stream of small ones. The line is ordered by each
/// request's <c>order</c> (the endpoint passes the sequence number of the call's acceptance, so
/// FIFO means the order calls were accepted in, and a retry takes its call's old place ahead of
/// newer calls); requests without one join at the back, in arrival order. The price is that small
/// calls wait behind a large one; the head itself becomes grantable within one interval of
/// reaching the front (plus any <c>Retry-After</c> pause), because every grant ages out by then.
/// A request for more tokens than the per-interval limit could never be granted and is
/// rejected at once instead of blocking the line forever.
/// </para>
/// <para>
/// How an actor drives it: on every credit request, call <see cref="O:Dispatch.Core.RateLimiting.RateLimitController`1.Request"/>; after that
/// and on every timer, cancellation, pause or reconciliation, call <see cref="TryGrantNext"/>
/// until it returns <see langword="false"/>, then set one timer for <see cref="WakeAt"/>
/// (none when it is <see langword="null"/>). Time is passed in, never read, so tests and
/// the actor's <c>TimeProvider</c> decide what "now" is. Not thread-safe: actor-confined.
/// </para>
/// </remarks>
/// <typeparam name="T">What the owner keeps with a waiter (e.g. the executor to tell).</typeparam>
public sealed class RateLimitController<T>
{
    private readonly CallQueue<Waiter> _line = new(int.MaxValue);
    private readonly List<Waiter> _expired = [];

    /// <summary>Creates a controller over a standalone <see cref="SlidingWindowLedger"/>.</summary>
    /// <param name="options">The limits.</param>
    public RateLimitController(RateLimitOptions options)
        : this(new SlidingWindowLedger(options))
    {
    }

    /// <summary>Creates a controller over any credit source (e.g. a shared cluster budget).</summary>
    /// <param name="source">Where credits come from.</param>
    public RateLimitController(ICreditSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Source = source;
    }

    /// <summary>Where credits come from.</summary>
    public ICreditSource Source { get; }

    /// <summary>Requests in line.</summary>
    public int Waiting => _line.Count;

    /// <summary>
    /// When the head of the line may next be grantable, as of the last <see cref="TryGrantNext"/>
    /// or <see cref="O:Dispatch.Core.RateLimiting.RateLimitController`1.Request"/>; <see langword="null"/> when nobody waits. Set the replenish timer for it.
    /// </summary>
    public DateTimeOffset? WakeAt { get; private set; }

    /// <summary>Asks for one request credit and <paramref name="tokens"/> token credits, at the back of the line.</summary>
    /// <param name="waiterId">Identifies the request for cancellation (e.g. the call id); unique among those in line.</param>
    /// <param name="state">Kept with the request and handed back in its grant.</param>
    /// <param name="tokens">Token credits wanted.</param>
    /// <param name="now">The current time.</param>
    /// <param name="deadline">When the request stops being wanted (see <see cref="RemoveExpired"/>); <see langword="null"/> for never.</param>
    public CreditRequestResult<T> Request(string waiterId, T state, long tokens, DateTimeOffset now, DateTimeOffset? deadline = null) =>
        Request(waiterId, state, tokens, long.MaxValue, now, deadline);

    /// <summary>
    /// Asks for one request credit and <paramref name="tokens"/> token credits, in the line's
    /// place for <paramref name="order"/>: behind requests of a lower or equal order, in front of
    /// higher ones (requests made without an order count as the highest). A request that would
    /// go to the front is tried at once.
    /// </summary>
    /// <param name="waiterId">Identifies the request for cancellation (e.g. the call id); unique among those in line.</param>
    /// <param name="state">Kept with the request and handed back in its grant.</param>
    /// <param name="tokens">Token credits wanted.</param>
    /// <param name="order">The request's place, e.g. the sequence number of its call's acceptance, so a retry keeps its call's place.</param>
    /// <param name="now">The current time.</param>
    /// <param name="deadline">When the request stops being wanted (see <see cref="RemoveExpired"/>); <see langword="null"/> for never.</param>
    public CreditRequestResult<T> Request(string waiterId, T state, long tokens, long order, DateTimeOffset now, DateTimeOffset? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(waiterId);
        if (tokens < 0)
            return new(CreditRequestStatus.Rejected, default, $"a call cannot need a negative number of tokens (was {tokens})");
        if (tokens > Source.TokenLimit)
            return new(CreditRequestStatus.Rejected, default,
                $"the call needs {tokens} tokens but the endpoint allows at most {Source.TokenLimit} per interval, so it could never be sent");
        if (_line.Contains(waiterId)) return new(CreditRequestStatus.DuplicateId, default, null);

        if (_line.WouldBeFirst(order))
        {
            var attempt = Source.TryAcquire(1, tokens, now);
            if (attempt.Granted)
                return new(CreditRequestStatus.Granted, new CreditGrant<T>(waiterId, state, attempt.GrantId, tokens, now, TimeSpan.Zero), null);
            WakeAt = attempt.RetryAt;
        }

        _line.TryEnqueueInOrder(waiterId, new Waiter(waiterId, state, tokens, now), order, deadline);
        return new(CreditRequestStatus.Queued, default, null);
    }

    /// <summary>Grants the head of the line if the source allows it now; otherwise updates <see cref="WakeAt"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="grant">The grant, when one was made.</param>
    public bool TryGrantNext(DateTimeOffset now, out CreditGrant<T> grant)
    {
        if (!_line.TryPeek(out var head))
        {
            WakeAt = null;
            grant = default;
            return false;
        }

        var attempt = Source.TryAcquire(1, head.Tokens, now);
        if (!attempt.Granted)
        {
            WakeAt = attempt.RetryAt;
            grant = default;
            return false;
        }

        _line.TryDequeue(out _);
        WakeAt = _line.Count == 0 ? null : now;
        grant = new CreditGrant<T>(head.Id, head.State, attempt.GrantId, head.Tokens, now, now - head.QueuedAt);
        return true;
    }

    /// <summary>Takes a request out of line (its call was cancelled or timed out).</summary>
    /// <param name="waiterId">The id it was requested under.</param>
    /// <param name="state">What was stored with it, when it was in line.</param>
    public bool Cancel(string waiterId, out T state)
    {
        if (_line.TryRemove(waiterId, out var waiter))
        {
            state = waiter.State;
            return true;
        }

        state = default!;
        return false;
    }

    /// <summary>Takes out of line every request whose deadline is at or before <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    /// <param name="expired">Receives what was stored with each expired request.</param>
    public int RemoveExpired(DateTimeOffset now, ICollection<T> expired)
    {
        _expired.Clear();
        var count = _line.RemoveExpired(now, _expired);
        foreach (var waiter in _expired) expired.Add(waiter.State);
        _expired.Clear();
        return count;
    }

    /// <summary>The earliest deadline among requests in line, for the owner's sweep timer.</summary>
    public DateTimeOffset? NextDeadline => _line.NextDeadline;

    /// <summary>Pauses all grants until <paramref name="until"/> (a 429's <c>Retry-After</c>).</summary>
    /// <param name="until">When grants may resume.</param>
    public void Pause(DateTimeOffset until) => Source.PauseUntil(until);

    /// <summary>
    /// Corrects a grant's token charge to what the call really used. Returns whether the
    /// grant was still in the window to correct; see <see cref="SlidingWindowLedger"/> for
    /// what a correction means for the window guarantee.
    /// </summary>
    /// <param name="grantId">The grant's <see cref="CreditGrant{T}.GrantId"/>.</param>
    /// <param name="actualTokens">The tokens used (e.g. <c>usage.total_tokens</c>).</param>
    /// <param name="now">The current time.</param>
    public bool Reconcile(long grantId, long actualTokens, DateTimeOffset now) => Source.Reconcile(grantId, actualTokens, now);

    /// <summary>The credits that could be granted at <paramref name="now"/>.</summary>
    /// <param name="now">The current time.</param>
    public CreditBalance Available(DateTimeOffset now) => Source.Available(now);

    /// <summary>Takes every request out of line, in order (e.g. to answer them all on shutdown).</summary>
    /// <param name="drained">Receives what was stored with each request.</param>
    public void DrainTo(ICollection<T> drained)
    {
        while (_line.TryDequeue(out var waiter)) drained.Add(waiter.State);
        WakeAt = null;
    }

    private readonly record struct Waiter(string Id, T State, long Tokens, DateTimeOffset QueuedAt);
}
