using BenchmarkDotNet.Attributes;

namespace Dispatch.Benchmarks.Pipeline;

/// <summary>
/// The same workload against the fake upstream (zero latency, no limits) through raw HttpClient
/// with 64 workers, through the same client in a Polly v8 pipeline, and through Dispatch on Akka.NET
/// with 64 executors (an Ask per call). Each operation is
/// one call, so Mean is the time per call at that concurrency (its inverse the throughput) and
/// Allocated the bytes per call, HTTP stack included. Latency percentiles come from
/// <see cref="PipelineHarness"/> (<c>-- pipeline</c>).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class PipelineBenchmarks
{
    private const int Calls = 2_000;

    private PipelineWorkload _workload = null!;

    /// <summary>Starts the upstream, the HTTP client and the actor system, shared by all iterations.</summary>
    [GlobalSetup]
    public void Setup() => _workload = PipelineWorkload.StartAsync().GetAwaiter().GetResult();

    /// <summary>Stops them.</summary>
    [GlobalCleanup]
    public void Cleanup() => _workload.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Raw HttpClient, 64 concurrent workers.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public Task Raw_HttpClient() => PipelineWorkload.RunAsync(_workload.RawCallAsync, Calls);

    /// <summary>HttpClient in a Polly pipeline (retry, circuit breaker, timeout), 64 concurrent workers.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public Task Polly_pipeline() => PipelineWorkload.RunAsync(_workload.PollyCallAsync, Calls);

    /// <summary>Dispatch (Ask per call), 64 concurrent workers and 64 executors.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public Task Dispatch_Ask() => PipelineWorkload.RunAsync(_workload.DispatchAskCallAsync, Calls);

    /// <summary>Dispatch through one <c>DispatchClient</c> (a reply reference for all calls), 64 concurrent workers and 64 executors.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public Task Dispatch_client() => PipelineWorkload.RunAsync(_workload.DispatchCallAsync, Calls);
}
