using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.RateLimiting;

namespace Dispatch.FakeUpstream.Counting;

/// <summary>
/// What the server has seen since it started or was last reset, for tests and benchmarks to
/// assert on. Counts only API requests (chat completions and echo), never the admin routes.
/// Every counter is updated with <see cref="Interlocked"/>; reading one is a single load.
/// A request's counters are updated before its response ends, so a client that has read a whole
/// response sees them; a request that ends without a response (reset, timeout, client gone) is
/// counted just after its connection drops.
/// </summary>
public sealed class UpstreamCounters
{
    private const int StatusSlots = 600;
    private static readonly int FaultKinds = Enum.GetValues<FaultKind>().Length;

    private readonly KeyedRateLimiter _windows;
    private long[] _byStatus = new long[StatusSlots];
    private long[] _byFault = new long[FaultKinds];
    private ConcurrentDictionary<string, StrongBox<long>> _callIds = new(StringComparer.Ordinal);
    private long _received;
    private long _completed;
    private long _throttled;
    private long _aborted;
    private long _open;
    private long _maxOpen;
    private long _promptTokens;
    private long _completionTokens;

    internal UpstreamCounters(KeyedRateLimiter windows) => _windows = windows;

    /// <summary>API requests received (every arrival, whatever its outcome).</summary>
    public long RequestsReceived => Volatile.Read(ref _received);

    /// <summary>Requests answered 200 with a normal body (not a body fault).</summary>
    public long Completed => Volatile.Read(ref _completed);

    /// <summary>429s sent by the rate limiter (injected 429 faults are counted under <see cref="FaultsOf"/>).</summary>
    public long Throttled => Volatile.Read(ref _throttled);

    /// <summary>Requests that ended without a response: injected resets and timeouts, and clients that went away.</summary>
    public long Aborted => Volatile.Read(ref _aborted);

    /// <summary>Requests being handled right now.</summary>
    public long OpenRequests => Volatile.Read(ref _open);

    /// <summary>The most requests ever handled at once: the client's real concurrency.</summary>
    public long MaxOpenRequests => Volatile.Read(ref _maxOpen);

    /// <summary>
    /// The most requests admitted within any one sliding window (of the configured length) for
    /// any one key — exact, because every admission in the window is kept.
    /// </summary>
    public long MaxRequestsInWindow => _windows.Peaks().Requests;

    /// <summary>The most tokens admitted within any one sliding window for any one key — exact.</summary>
    public long MaxTokensInWindow => _windows.Peaks().Tokens;

    /// <summary>Prompt tokens of all admitted requests.</summary>
    public long PromptTokens => Volatile.Read(ref _promptTokens);

    /// <summary>Completion tokens of all admitted requests.</summary>
    public long CompletionTokens => Volatile.Read(ref _completionTokens);

    /// <summary>Tokens charged to windows: <see cref="PromptTokens"/> + <see cref="CompletionTokens"/>.</summary>
    public long TokensCharged => PromptTokens + CompletionTokens;

    /// <summary>Responses sent with <paramref name="statusCode"/>, whatever produced them.</summary>
    /// <param name="statusCode">An HTTP status code.</param>
    public long ResponsesWithStatus(int statusCode) =>
        statusCode is >= 0 and < StatusSlots ? Volatile.Read(ref Volatile.Read(ref _byStatus)[statusCode]) : 0;

    /// <summary>How many times <paramref name="kind"/> was injected.</summary>
    /// <param name="kind">A fault kind.</param>
    public long FaultsOf(FaultKind kind) => Volatile.Read(ref Volatile.Read(ref _byFault)[(int)kind]);

    /// <summary>Faults injected, of every kind.</summary>
    public long FaultsInjected
    {
        get
        {
            long total = 0;
            for (var kind = 1; kind < FaultKinds; kind++) total += FaultsOf((FaultKind)kind);
            return total;
        }
    }

    /// <summary>How many times a request with <paramref name="callId"/> (<c>x-call-id</c> or <c>Idempotency-Key</c>) arrived.</summary>
    /// <param name="callId">The call id.</param>
    public long ArrivalsOf(string callId) =>
        Volatile.Read(ref _callIds).TryGetValue(callId, out var box) ? Volatile.Read(ref box.Value) : 0;

    /// <summary>A consistent-enough copy of every counter (each read once; concurrent requests may land between reads).</summary>
    /// <param name="includeCallIds">Whether to copy the per-call-id arrivals, which may be large.</param>
    public CountersSnapshot Snapshot(bool includeCallIds = true)
    {
        var byStatus = new SortedDictionary<int, long>();
        var statuses = Volatile.Read(ref _byStatus);
        for (var status = 0; status < StatusSlots; status++)
        {
            var count = Volatile.Read(ref statuses[status]);
            if (count > 0) byStatus[status] = count;
        }

        var byFault = new SortedDictionary<FaultKind, long>();
        for (var kind = 1; kind < FaultKinds; kind++)
        {
            var count = FaultsOf((FaultKind)kind);
            if (count > 0) byFault[(FaultKind)kind] = count;
        }

        long distinct = 0, repeated = 0, maxArrivals = 0;
        var callIds = includeCallIds ? new Dictionary<string, long>(StringComparer.Ordinal) : null;
        foreach (var (id, box) in Volatile.Read(ref _callIds))
        {
            var arrivals = Volatile.Read(ref box.Value);
            distinct++;
            repeated += arrivals - 1;
            maxArrivals = Math.Max(maxArrivals, arrivals);
            callIds?.Add(id, arrivals);
        }

        var (peakRequests, peakTokens) = _windows.Peaks();
        return new CountersSnapshot
        {
            RequestsReceived = RequestsReceived,
            Completed = Completed,
            Throttled = Throttled,
            Aborted = Aborted,
            OpenRequests = OpenRequests,
            MaxOpenRequests = MaxOpenRequests,
            MaxRequestsInWindow = peakRequests,
            MaxTokensInWindow = peakTokens,
            PromptTokens = PromptTokens,
            CompletionTokens = CompletionTokens,
            FaultsInjected = FaultsInjected,
            ResponsesByStatus = byStatus,
            FaultsByKind = byFault,
            DistinctCallIds = distinct,
            RepeatedArrivals = repeated,
            MaxArrivalsPerCallId = maxArrivals,
            CallIdArrivals = callIds,
        };
    }

    internal long RequestStarted()
    {
        Interlocked.Increment(ref _received);
        var open = Interlocked.Increment(ref _open);
        var max = Volatile.Read(ref _maxOpen);
        while (open > max)
        {
            var seen = Interlocked.CompareExchange(ref _maxOpen, open, max);
            if (seen == max) break;
            max = seen;
        }

        return open;
    }

    internal void RequestEnded(int statusCode, RequestOutcome outcome)
    {
        // Outcome first, then the open count: whoever sees the request closed also sees how it ended.
        if (outcome == RequestOutcome.Aborted)
        {
            Interlocked.Increment(ref _aborted);
        }
        else
        {
            if (outcome == RequestOutcome.Completed) Interlocked.Increment(ref _completed);
            if (statusCode is >= 0 and < StatusSlots) Interlocked.Increment(ref Volatile.Read(ref _byStatus)[statusCode]);
        }

        Interlocked.Decrement(ref _open);
    }

    /// <summary>Counts one arrival of <paramref name="callId"/> and returns how many there have been.</summary>
    internal long CallIdArrived(string callId)
    {
        var box = Volatile.Read(ref _callIds).GetOrAdd(callId, static _ => new StrongBox<long>());
        return Interlocked.Increment(ref box.Value);
    }

    internal void FaultInjected(FaultKind kind) => Interlocked.Increment(ref Volatile.Read(ref _byFault)[(int)kind]);

    internal void RequestThrottled() => Interlocked.Increment(ref _throttled);

    internal void TokensAdmitted(long prompt, long completion)
    {
        Interlocked.Add(ref _promptTokens, prompt);
        Interlocked.Add(ref _completionTokens, completion);
    }

    /// <summary>Zeroes every counter (the open-request count stays: those requests are still open).</summary>
    internal void Reset()
    {
        Volatile.Write(ref _byStatus, new long[StatusSlots]);
        Volatile.Write(ref _byFault, new long[FaultKinds]);
        Volatile.Write(ref _callIds, new ConcurrentDictionary<string, StrongBox<long>>(StringComparer.Ordinal));
        Interlocked.Exchange(ref _received, 0);
        Interlocked.Exchange(ref _completed, 0);
        Interlocked.Exchange(ref _throttled, 0);
        Interlocked.Exchange(ref _aborted, 0);
        Interlocked.Exchange(ref _maxOpen, Volatile.Read(ref _open));
        Interlocked.Exchange(ref _promptTokens, 0);
        Interlocked.Exchange(ref _completionTokens, 0);
    }
}
