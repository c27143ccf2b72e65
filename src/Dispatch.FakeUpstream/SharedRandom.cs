namespace Dispatch.FakeUpstream;

/// <summary>
/// The server's one random source, seeded from <see cref="FakeUpstreamOptions.RandomSeed"/>.
/// <see cref="Random"/> is not thread-safe, so draws take a short lock; only requests that need
/// randomness (random faults, random latency) draw at all.
/// </summary>
internal sealed class SharedRandom(int? seed)
{
    private readonly Lock _gate = new();
    private readonly Random _random = seed is { } s ? new Random(s) : new Random();

    /// <summary>A number in [0, 1).</summary>
    public double NextDouble()
    {
        lock (_gate) return _random.NextDouble();
    }
}
