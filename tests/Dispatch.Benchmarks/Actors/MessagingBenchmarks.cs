using BenchmarkDotNet.Attributes;

namespace Dispatch.Benchmarks.Actors;

/// <summary>
/// The actor kernel beside raw <see cref="System.Threading.Channels.Channel{T}"/> in the same run:
/// single-pair ping-pong, four pairs with 1,000-message bursts, and four producers into one consumer.
/// Each operation is one message delivered (for ping-pong: one round trip), so Mean is ns per message
/// and Allocated is bytes per message.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 15)]
public class MessagingBenchmarks
{
    private const int RoundTrips = 100_000;
    private const int Pairs = 4;
    private const int Bursts = 100;
    private const int Burst = 1_000;
    private const int Producers = 4;
    private const int PerProducer = 250_000;

    private ActorShapes _actors = null!;

    /// <summary>Starts one actor system with every shape's actors, reused by all iterations.</summary>
    [GlobalSetup]
    public void Setup() => _actors = new ActorShapes(Pairs);

    /// <summary>Shuts the actor system down.</summary>
    [GlobalCleanup]
    public void Cleanup() => _actors.Dispose();

    /// <summary>Raw channels: single-pair ping-pong.</summary>
    [Benchmark(OperationsPerInvoke = RoundTrips)]
    [BenchmarkCategory("PingPong")]
    public Task Channels_ping_pong() => ChannelShapes.PingPongAsync(RoundTrips);

    /// <summary>Actors: single-pair ping-pong.</summary>
    [Benchmark(OperationsPerInvoke = RoundTrips)]
    [BenchmarkCategory("PingPong")]
    public Task Actors_ping_pong() => _actors.PingPongAsync(RoundTrips);

    /// <summary>Raw channels: four pairs, bursts of 1,000.</summary>
    [Benchmark(OperationsPerInvoke = Pairs * Bursts * Burst * 2)]
    [BenchmarkCategory("Pairs")]
    public Task Channels_four_pairs() => ChannelShapes.PairsAsync(Pairs, Bursts, Burst);

    /// <summary>Actors: four pairs, bursts of 1,000.</summary>
    [Benchmark(OperationsPerInvoke = Pairs * Bursts * Burst * 2)]
    [BenchmarkCategory("Pairs")]
    public Task Actors_four_pairs() => _actors.PairsAsync(Bursts, Burst);

    /// <summary>Raw channels: four producers, one consumer.</summary>
    [Benchmark(OperationsPerInvoke = Producers * PerProducer)]
    [BenchmarkCategory("FanIn")]
    public Task Channels_fan_in() => ChannelShapes.FanInAsync(Producers, PerProducer);

    /// <summary>Actors: four producers telling one actor.</summary>
    [Benchmark(OperationsPerInvoke = Producers * PerProducer)]
    [BenchmarkCategory("FanIn")]
    public Task Actors_fan_in() => _actors.FanInAsync(Producers, PerProducer);
}
