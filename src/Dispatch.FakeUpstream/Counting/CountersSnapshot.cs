using Dispatch.FakeUpstream.Faults;

namespace Dispatch.FakeUpstream.Counting;

/// <summary>A copy of <see cref="UpstreamCounters"/> at one moment; also the shape of <c>GET /v1/counters</c>.</summary>
public sealed record CountersSnapshot
{
    /// <summary>API requests received.</summary>
    public long RequestsReceived { get; init; }

    /// <summary>Requests answered 200 with a normal body.</summary>
    public long Completed { get; init; }

    /// <summary>429s sent by the rate limiter.</summary>
    public long Throttled { get; init; }

    /// <summary>Requests that ended without a response.</summary>
    public long Aborted { get; init; }

    /// <summary>Requests open when the snapshot was taken.</summary>
    public long OpenRequests { get; init; }

    /// <summary>The most requests ever open at once.</summary>
    public long MaxOpenRequests { get; init; }

    /// <summary>The most requests admitted within any one window for any one key.</summary>
    public long MaxRequestsInWindow { get; init; }

    /// <summary>The most tokens admitted within any one window for any one key.</summary>
    public long MaxTokensInWindow { get; init; }

    /// <summary>Prompt tokens of all admitted requests.</summary>
    public long PromptTokens { get; init; }

    /// <summary>Completion tokens of all admitted requests.</summary>
    public long CompletionTokens { get; init; }

    /// <summary>Faults injected, of every kind.</summary>
    public long FaultsInjected { get; init; }

    /// <summary>Responses by HTTP status (only statuses sent at least once).</summary>
    public IReadOnlyDictionary<int, long> ResponsesByStatus { get; init; } = new Dictionary<int, long>();

    /// <summary>Injected faults by kind (only kinds injected at least once).</summary>
    public IReadOnlyDictionary<FaultKind, long> FaultsByKind { get; init; } = new Dictionary<FaultKind, long>();

    /// <summary>Distinct call ids seen.</summary>
    public long DistinctCallIds { get; init; }

    /// <summary>Arrivals of a call id after its first (retries and duplicates).</summary>
    public long RepeatedArrivals { get; init; }

    /// <summary>The most arrivals of any one call id.</summary>
    public long MaxArrivalsPerCallId { get; init; }

    /// <summary>Arrivals per call id; <c>null</c> when the snapshot was taken without them.</summary>
    public IReadOnlyDictionary<string, long>? CallIdArrivals { get; init; }
}
