using BenchmarkDotNet.Attributes;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Benchmarks.RateLimiting;

/// <summary>
/// The ledger's refusal after a limit learned from the provider fell to half of what the window holds (issue 13): it names
/// the instant enough grants have left, which half the window's grants must do. One operation is one refused request,
/// as the rate limiter's every wake makes while the line waits. Run with <c>--filter *LedgerRefusal*</c>.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class LedgerRefusalBenchmarks
{
    private const int Operations = 1_000;

    private SlidingWindowLedger _ledger = null!;
    private DateTimeOffset _now;

    /// <summary>Grants the window holds when the limit falls: the configured request limit.</summary>
    [Params(100, 10_000, 100_000)]
    public int GrantsInWindow { get; set; }

    /// <summary>A full window of evenly spaced grants, then the limit in force halved.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var options = new RateLimitOptions { Requests = GrantsInWindow, Tokens = GrantsInWindow * 100L, Interval = TimeSpan.FromSeconds(10) };
        _ledger = new SlidingWindowLedger(options);
        var step = options.Window / GrantsInWindow * 1.001;
        _now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < GrantsInWindow; i++)
        {
            _now += step;
            if (!_ledger.TryAcquire(1, 100, _now).Granted) throw new InvalidOperationException($"grant {i} of the first window was refused");
        }

        _ledger.LimitTo(GrantsInWindow / 2, null);
        if (_ledger.TryAcquire(1, 100, _now).Granted) throw new InvalidOperationException("a grant was made over the lowered limit");
    }

    /// <summary>Refused requests, <c>1,000</c> of them.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public DateTimeOffset RefuseAndNameTheInstant()
    {
        var retryAt = default(DateTimeOffset);
        for (var i = 0; i < Operations; i++) retryAt = _ledger.TryAcquire(1, 100, _now).RetryAt;
        return retryAt;
    }
}
