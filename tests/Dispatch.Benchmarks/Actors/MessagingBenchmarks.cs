using BenchmarkDotNet.Attributes;

namespace Dispatch.Benchmarks.Actors;

/// <summary>
/// Akka.NET (the actor runtime under Dispatch) beside raw <see cref="System.Threading.Channels.Channel{T}"/>
/// in the same run: Tell round trips between two actors (ping-pong), Tell throughput of four pairs with
/// 1,000-message bursts and of four producers into one actor (fan-in), and the Ask round trip a program
/// outside the actor system pays per call. Each operation is one message delivered (ping-pong, Ask: one
/// round trip), so Mean is ns per message and Allocated is bytes per message.
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
    private const int Asks = 20_000;

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

    /// <summary>Akka.NET: single-pair ping-pong (Tell both ways).</summary>
    [Benchmark(OperationsPerInvoke = RoundTrips)]
    [BenchmarkCategory("PingPong")]
    public Task Akka_ping_pong() => _actors.PingPongAsync(RoundTrips);

    /// <summary>Raw channels: four pairs, bursts of 1,000.</summary>
    [Benchmark(OperationsPerInvoke = Pairs * Bursts * Burst * 2)]
    [BenchmarkCategory("Pairs")]
    public Task Channels_four_pairs() => ChannelShapes.PairsAsync(Pairs, Bursts, Burst);

    /// <summary>Akka.NET: four pairs, bursts of 1,000 (Tell throughput between actors).</summary>
    [Benchmark(OperationsPerInvoke = Pairs * Bursts * Burst * 2)]
    [BenchmarkCategory("Pairs")]
    public Task Akka_four_pairs() => _actors.PairsAsync(Bursts, Burst);

    /// <summary>Raw channels: four producers, one consumer.</summary>
    [Benchmark(OperationsPerInvoke = Producers * PerProducer)]
    [BenchmarkCategory("FanIn")]
    public Task Channels_fan_in() => ChannelShapes.FanInAsync(Producers, PerProducer);

    /// <summary>Akka.NET: four producers telling one actor (Tell throughput into one mailbox).</summary>
    [Benchmark(OperationsPerInvoke = Producers * PerProducer)]
    [BenchmarkCategory("FanIn")]
    public Task Akka_fan_in() => _actors.FanInAsync(Producers, PerProducer);

    /// <summary>Raw channels: request/reply with a completion source per call, one at a time.</summary>
    [Benchmark(OperationsPerInvoke = Asks)]
    [BenchmarkCategory("Ask")]
    public Task Channels_request_reply() => ChannelShapes.RequestReplyAsync(Asks);

    /// <summary>Akka.NET: Ask from outside the actor system, one at a time.</summary>
    [Benchmark(OperationsPerInvoke = Asks)]
    [BenchmarkCategory("Ask")]
    public Task Akka_ask() => _actors.AskAsync(Asks);
}
