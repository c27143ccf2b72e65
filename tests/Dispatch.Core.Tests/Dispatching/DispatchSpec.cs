using System.Collections.Concurrent;
using Dispatch.Actors;
using Dispatch.Core.Breaker;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Endpoints;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Retry;
using Dispatch.FakeUpstream;
using Dispatch.Testing;
using Xunit.Abstractions;
using UpstreamLimits = Dispatch.FakeUpstream.RateLimiting.RateLimitOptions;

namespace Dispatch.Core.Tests.Dispatching;

/// <summary>
/// The base of the actor-level specs: an actor system and a fake upstream on loopback sharing
/// one virtual clock, an endpoint pointing at it, and helpers to make calls and read results.
/// </summary>
public abstract class DispatchSpec : TestKit, IAsyncLifetime
{
    protected const string Api = "api";

    protected DispatchSpec(ITestOutputHelper output, bool virtualTime = true)
        : base(ActorSystemSettings.Default with { TimeProvider = virtualTime ? new ManualTimeProvider() : TimeProvider.System }, output)
    {
    }

    protected FakeUpstreamServer Upstream { get; private set; } = null!;

    /// <summary>Every HTTP session the endpoints opened, to check they are closed.</summary>
    protected ConcurrentQueue<EndpointSession> Sessions { get; } = new();

    /// <summary>Limits the upstream starts with.</summary>
    protected virtual UpstreamLimits UpstreamLimits => UpstreamLimits.Unlimited;

    /// <summary>Upstream options beyond limits and clock.</summary>
    protected virtual FakeUpstreamOptions ConfigureUpstream(FakeUpstreamOptions options) => options;

    public virtual async Task InitializeAsync() =>
        Upstream = await FakeUpstreamServer.StartAsync(ConfigureUpstream(new FakeUpstreamOptions
        {
            TimeProvider = Sys.Settings.TimeProvider,
            Limits = UpstreamLimits,
            RandomSeed = 7,
            ShutdownTimeout = TimeSpan.FromSeconds(1),
        }));

    public virtual async Task DisposeAsync()
    {
        await Sys.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        await Upstream.DisposeAsync();
    }

    /// <summary>An endpoint on the upstream's echo route: unlimited, 4 executors, quick retries without jitter, a breaker that needs many failures.</summary>
    protected EndpointOptions Endpoint(Func<EndpointOptions, EndpointOptions>? configure = null)
    {
        var endpoint = new EndpointOptions(Api, Upstream.BaseUrl)
        {
            Path = "/v1/echo",
            RateLimit = new RateLimitOptions { Requests = null },
            Executor = new Dispatch.Core.Execution.ExecutorOptions { Concurrency = 4 },
            Retry = new RetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1), Jitter = RetryJitter.None },
            Breaker = new BreakerOptions { MaxFailures = 1_000_000 },
        };
        return configure is null ? endpoint : configure(endpoint);
    }

    /// <summary>A DispatchActor over <paramref name="endpoints"/> (default: <see cref="Endpoint"/>).</summary>
    protected IActorRef StartDispatch(params EndpointOptions[] endpoints)
    {
        if (endpoints.Length == 0) endpoints = [Endpoint()];
        var options = new DispatchOptions { Endpoints = endpoints.ToDictionary(e => e.Name, StringComparer.Ordinal) };
        var dependencies = new DispatchDependencies { Random = new Random(42), SessionOpened = Sessions.Enqueue };
        return Sys.ActorOf(DispatchActor.Props(options, dependencies), "dispatch");
    }

    /// <summary>A call the upstream counts by id, optionally with a fault script for its arrivals (e.g. <c>500,ok</c>).</summary>
    protected static APICalling Call(string id, string? faults = null, string endpoint = Api)
    {
        var headers = new Dictionary<string, string> { [FakeUpstreamHeaders.CallId] = id, [FakeUpstreamHeaders.Tokens] = "1" };
        if (faults is not null) headers[FakeUpstreamHeaders.Fault] = faults;
        return new APICalling(id, endpoint, "{\"text\":\"hi\"}") { Headers = headers, RequiredTokens = 1 };
    }

    /// <summary>A collector of results, to use as the sender of calls or an event subscriber.</summary>
    protected ResultCollector NewCollector() => new(Sys.DeadLetters.Path.Child("collector-" + Guid.NewGuid().ToString("N")));

    /// <summary>A probe subscribed to events of <typeparamref name="T"/>.</summary>
    protected TestProbe Subscribe<T>()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe<T>(probe.Ref);
        return probe;
    }

    /// <summary>Waits (real time, polling) until <paramref name="condition"/> holds.</summary>
    protected Task Until(Func<bool> condition, string what, int seconds = 10) =>
        AwaitConditionAsync(condition, TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(2), what);

    /// <summary>Asks for a call's result; the ask itself has no timeout (virtual time would expire it), the wait is real time.</summary>
    protected static Task<APICallResult> Send(IActorRef dispatch, APICalling call) =>
        dispatch.Ask<APICallResult>(call).WaitAsync(TimeSpan.FromSeconds(20));

    protected Task<StatusSnapshot> StatusOf(IActorRef dispatch) => dispatch.Ask<StatusSnapshot>(new GetStatus(Api)).WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>Waits until the endpoint's status satisfies <paramref name="condition"/>.</summary>
    protected async Task<StatusSnapshot> StatusUntil(IActorRef dispatch, Func<StatusSnapshot, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var status = await StatusOf(dispatch);
            if (condition(status)) return status;
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}; last status {status}");
            await Task.Yield();
        }
    }

    /// <summary>Counts results per call id, whoever sends them; a plain ref, so it outlives every actor.</summary>
    protected sealed class ResultCollector(ActorPath path) : IActorRef
    {
        public ConcurrentDictionary<string, int> Counts { get; } = new(StringComparer.Ordinal);

        public ConcurrentQueue<APICallResult> Results { get; } = new();

        public ActorPath Path => path;

        public void Tell(object message, IActorRef? sender)
        {
            var result = message switch
            {
                APICallResult r => r,
                CallFinished f => f.Result,
                _ => null,
            };
            if (result is null) return;
            Results.Enqueue(result);
            Counts.AddOrUpdate(result.CallId, 1, (_, n) => n + 1);
        }

        public bool Equals(IActorRef? other) => ReferenceEquals(this, other);
    }
}
