using Dispatch.FakeUpstream.Counting;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.Latency;
using Dispatch.FakeUpstream.RateLimiting;

namespace Dispatch.FakeUpstream.Serving;

/// <summary>Everything one server's requests share. Behaviour that may change while running is swapped whole, never mutated.</summary>
internal sealed class UpstreamState : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private volatile LimitsInForce _limits;
    private volatile LatencyOptions _latency;
    private long _responseIds;

    public UpstreamState(FakeUpstreamOptions options)
    {
        Options = options;
        Time = options.TimeProvider;
        Random = new SharedRandom(options.RandomSeed);
        Windows = new KeyedRateLimiter();
        Counters = new UpstreamCounters(Windows);
        Faults = new FaultController(options.Faults, Time, Random);
        _limits = new LimitsInForce(options.Limits);
        _latency = options.Latency;
    }

    public FakeUpstreamOptions Options { get; }

    public TimeProvider Time { get; }

    public SharedRandom Random { get; }

    public KeyedRateLimiter Windows { get; }

    public UpstreamCounters Counters { get; }

    public FaultController Faults { get; }

    /// <summary>Cancelled when the server begins to stop, so requests that would wait forever end.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public LimitsInForce Limits => _limits;

    public void SetLimits(RateLimitOptions limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        _limits = new LimitsInForce(limits);
    }

    public LatencyOptions Latency
    {
        get => _latency;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            _latency = value;
        }
    }

    public long NextResponseId() => Interlocked.Increment(ref _responseIds);

    public void Reset()
    {
        Windows.Reset();
        Counters.Reset();
        Faults.Clear();
    }

    public void BeginStopping() => _stopping.Cancel();

    public void Dispose() => _stopping.Dispose();
}
