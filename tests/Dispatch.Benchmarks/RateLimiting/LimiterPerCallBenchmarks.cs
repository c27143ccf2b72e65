using BenchmarkDotNet.Attributes;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Benchmarks.RateLimiting;

/// <summary>
/// The rate limiter's own work per call with rate-limit headers on (issue 13), at steady state at the limit:
/// a window holding <see cref="GrantsInWindow"/> grants (OpenAI's tiers allow 10,000–30,000 requests a minute,
/// and token limits of millions; the interval is 10 s, as in the accuracy bench, so that even the smallest limit
/// allows a call per second, which the default per-second cap needs). One operation is one call's work on the limiter: its grant, the reconciliation
/// of its real tokens and the observation of its answer's headers, for the call granted
/// <see cref="InFlight"/> grants earlier. Run with <c>--filter *LimiterPerCall*</c>.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class LimiterPerCallBenchmarks
{
    /// <summary>Calls between a grant and its answer: the endpoint's concurrency.</summary>
    public const int InFlight = 64;

    private const int Operations = 1_000;
    private const long TokensPerCall = 100;

    private readonly long[] _inFlight = new long[InFlight];
    private AdaptiveCreditSource _source = null!;
    private RateLimitReport _report;
    private DateTimeOffset _now;
    private TimeSpan _step;
    private long _calls;

    /// <summary>Grants one window holds at steady state: the request limit, met exactly.</summary>
    [Params(100, 10_000, 100_000)]
    public int GrantsInWindow { get; set; }

    /// <summary>A limiter with the default settings (smooth pacing, guard, learning from headers) filled to steady state.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var options = new RateLimitOptions { Requests = GrantsInWindow, Tokens = GrantsInWindow * TokensPerCall, Interval = TimeSpan.FromSeconds(10) };
        _source = new AdaptiveCreditSource(new SlidingWindowLedger(options), options);
        // A grant per window / limit, a thousandth slower: the window (10.2 s with the default guard) holds the limit, less a
        // thousandth, and neither the pacer's spacing nor the default per-second cap ever holds a call back.
        _step = options.Window / GrantsInWindow * 1.001;
        _now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        // The provider's word agrees with the ledger's: the report changes no limit, so every call's grant is made.
        _report = new RateLimitReport(GrantsInWindow, GrantsInWindow, options.Interval, GrantsInWindow * TokensPerCall, GrantsInWindow * TokensPerCall, options.Interval);
        for (var i = 0; i < 2 * GrantsInWindow; i++) Call(observe: false);
    }

    /// <summary>Grant, reconcile and observe, <c>1,000</c> calls.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public void GrantReconcileObserve()
    {
        for (var i = 0; i < Operations; i++) Call(observe: true);
    }

    private void Call(bool observe)
    {
        _now += _step;
        var attempt = _source.TryAcquire(1, TokensPerCall, _now);
        if (!attempt.Granted) throw new InvalidOperationException($"call {_calls} was not granted at steady state (not before {attempt.RetryAt:O})");
        var slot = (int)(_calls++ % InFlight);
        var answered = _inFlight[slot];
        _inFlight[slot] = attempt.GrantId;
        if (answered == 0) return;
        _source.Reconcile(answered, TokensPerCall, _now);
        if (observe) _source.Observe(answered, _report, throttled: false, _now);
    }
}
