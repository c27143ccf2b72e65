using System.Diagnostics;
using System.Net;
using System.Text;
using Akka.Actor;
using Akka.Configuration;
using Dispatch.Core.Breaker;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Execution;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.Queue;
using Dispatch.Core.RateLimiting;
using Dispatch.FakeUpstream;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Dispatch.Benchmarks.Pipeline;

/// <summary>
/// The pipeline workload: one fake upstream (zero latency, no limits) on loopback, called by
/// <see cref="Concurrency"/> closed-loop workers, either through a raw <see cref="HttpClient"/>
/// (the workers are the semaphore of the same concurrency), through the same client in a Polly v8
/// pipeline (retry, circuit breaker, attempt timeout), or through Dispatch (an Ask per call to a
/// DispatchActor on an Akka.NET actor system, whose endpoint has as many executors). Concurrency 64,
/// as issue #4's target says.
/// </summary>
internal sealed class PipelineWorkload : IAsyncDisposable
{
    public const int Concurrency = 64;
    private const string Payload = "{\"model\":\"m\",\"text\":\"hello\"}";

    private readonly FakeUpstreamServer _upstream;
    private readonly HttpClient _raw;
    private readonly string _url;
    private readonly ResiliencePipeline<HttpResponseMessage> _polly;
    private readonly ActorSystem _system;
    private readonly IActorRef _dispatch;
    private readonly DispatchClient _client;
    private readonly Dispatch.Core.Endpoints.EndpointSession _session;
    private long _nextId;

    private PipelineWorkload(FakeUpstreamServer upstream)
    {
        _upstream = upstream;
        _url = upstream.BaseUrl + "/v1/echo";
        // A plain pooled client, as the CLI bench's raw client: no automatic decompression (Dispatch
        // only adds an Accept-Encoding header and a Content-Encoding check for it).
        _raw = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency, AllowAutoRedirect = false, UseCookies = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _polly = BuildPolly();
        _system = ActorSystem.Create("pipeline", ConfigurationFactory.ParseString("""
            akka.log-dead-letters = off
            akka.log-dead-letters-during-shutdown = off
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            """));
        var endpoint = new EndpointOptions("bench", upstream.BaseUrl)
        {
            Path = "/v1/echo",
            RateLimit = new RateLimitOptions { Requests = null },
            Executor = new ExecutorOptions { Concurrency = Concurrency },
            Queue = new QueueOptions { Capacity = 100_000 },
            Breaker = new BreakerOptions { MaxFailures = 1_000_000 },
        };
        _session = new Dispatch.Core.Endpoints.EndpointSession(endpoint, TimeProvider.System);
        var options = new DispatchOptions { Endpoints = new Dictionary<string, EndpointOptions> { [endpoint.Name] = endpoint } };
        _dispatch = _system.ActorOf(DispatchActor.Props(options, new DispatchDependencies { Random = new Random(1) }), "dispatch");
        _client = new DispatchClient(_system, _dispatch);
    }

    public static async Task<PipelineWorkload> StartAsync() =>
        new(await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions()));

    /// <summary>One call through raw HttpClient: POST, read the whole body as text (as Dispatch hands it over).</summary>
    public async Task RawCallAsync()
    {
        using var content = new StringContent(Payload, Encoding.UTF8, "application/json");
        using var response = await _raw.PostAsync(_url, content).ConfigureAwait(false);
        await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"upstream answered {(int)response.StatusCode}");
    }

    /// <summary>One call through the raw client inside the Polly pipeline: the body is read inside the attempt, as the CLI bench's Polly client does.</summary>
    public async Task PollyCallAsync()
    {
        using var response = await _polly.ExecuteAsync(
            static async (self, token) =>
            {
                using var content = new StringContent(Payload, Encoding.UTF8, "application/json");
                var response = await self._raw.PostAsync(self._url, content, token).ConfigureAwait(false);
                await response.Content.LoadIntoBufferAsync(token).ConfigureAwait(false);
                return response;
            },
            this,
            CancellationToken.None).ConfigureAwait(false);
        await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"upstream answered {(int)response.StatusCode}");
    }

    /// <summary>One call through Dispatch: Ask the DispatchActor, await the result.</summary>
    public async Task DispatchAskCallAsync()
    {
        var id = Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var result = await _dispatch.Ask<APICallResult>(new APICalling(id, "bench", Payload) { RequiredTokens = 1 }).ConfigureAwait(false);
        if (!result.IsSuccess) throw new InvalidOperationException($"call failed: {result.Error} {result.ErrorMessage}");
    }

    /// <summary>One call through Dispatch's <see cref="DispatchClient"/> (one reply reference for all calls), await the result.</summary>
    public async Task DispatchCallAsync()
    {
        var id = Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var result = await _client.SendAsync(new APICalling(id, "bench", Payload) { RequiredTokens = 1 }).ConfigureAwait(false);
        if (!result.IsSuccess) throw new InvalidOperationException($"call failed: {result.Error} {result.ErrorMessage}");
    }

    /// <summary>One call through the endpoint's HTTP session alone, without actors (to split Dispatch's cost).</summary>
    public async Task SessionCallAsync()
    {
        var result = await _session.SendAsync(new APICalling("s", "bench", Payload) { RequiredTokens = 1 }, CancellationToken.None).ConfigureAwait(false);
        if (!result.Outcome.IsSuccess) throw new InvalidOperationException($"call failed: {result.Outcome.Message}");
    }

    /// <summary>Runs <paramref name="calls"/> calls over <paramref name="concurrency"/> workers (default <see cref="Concurrency"/>); records each call's latency (Stopwatch ticks) when asked.</summary>
    public static async Task<TimeSpan> RunAsync(Func<Task> call, int calls, long[]? latencies = null, int concurrency = Concurrency)
    {
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        var workers = new Task[concurrency];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < calls)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    await call().ConfigureAwait(false);
                    if (latencies is not null) latencies[i] = Stopwatch.GetTimestamp() - t0;
                }
            });
        }

        await Task.WhenAll(workers).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>
    /// What a careful user builds from Polly.Core for the same job, minus rate limiting (the upstream
    /// and Dispatch's endpoint here are unlimited): retry with exponential backoff and jitter for
    /// 429/5xx and transport errors, a circuit breaker, a per-attempt timeout like Dispatch's default.
    /// </summary>
    private static ResiliencePipeline<HttpResponseMessage> BuildPolly() =>
        new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException or TimeoutRejectedException } => true,
                    { Result: { } response } => response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500,
                    _ => false,
                }),
                MaxRetryAttempts = 4,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException or TimeoutRejectedException } => true,
                    { Result: { } response } => (int)response.StatusCode >= 500,
                    _ => false,
                }),
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(2),
                BreakDuration = TimeSpan.FromSeconds(5),
            })
            .AddTimeout(TimeSpan.FromSeconds(60))
            .Build();

    public async ValueTask DisposeAsync()
    {
        await _system.Terminate().ConfigureAwait(false);
        _client.Dispose();
        _raw.Dispose();
        _session.Dispose();
        await _upstream.DisposeAsync().ConfigureAwait(false);
    }
}
