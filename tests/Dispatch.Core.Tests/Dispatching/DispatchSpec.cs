using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Dispatch.Core.Breaker;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Endpoints;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Retry;
using Dispatch.Core.Timing;
using Dispatch.FakeUpstream;
using Xunit.Abstractions;
using UpstreamLimits = Dispatch.FakeUpstream.RateLimiting.RateLimitOptions;

namespace Dispatch.Core.Tests.Dispatching;

/// <summary>
/// The base of the actor-level specs: an actor system on Akka's <see cref="TestScheduler"/> and a
/// fake upstream on loopback whose clock is that scheduler, an endpoint pointing at it, and
/// helpers to make calls and read results. Virtual time moves only in <see cref="Advance"/>;
/// every wait for something to happen is real time (Ask and the TestKit's expectations).
/// </summary>
public abstract class DispatchSpec : TestKit, IAsyncLifetime
{
    protected const string Api = "api";

    private const string VirtualTimeConfig = """akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit" """;

    /// <param name="output">Where the actor system logs.</param>
    /// <param name="virtualTime">Whether time is the TestScheduler's (moved by <see cref="Advance"/>) or the machine's.</param>
    protected DispatchSpec(ITestOutputHelper output, bool virtualTime = true)
        : base(virtualTime ? ConfigurationFactory.ParseString(VirtualTimeConfig) : Config.Empty, output: output)
    {
    }

    protected FakeUpstreamServer Upstream { get; private set; } = null!;

    /// <summary>Every HTTP session the endpoints opened, to check they are closed.</summary>
    protected ConcurrentQueue<EndpointSession> Sessions { get; } = new();

    /// <summary>Limits the upstream starts with.</summary>
    protected virtual UpstreamLimits UpstreamLimits => UpstreamLimits.Unlimited;

    /// <summary>The actor system's clock (the TestScheduler's virtual time), which is also the upstream's.</summary>
    protected DateTimeOffset SchedulerNow => Sys.Scheduler.Now;

    /// <summary>Upstream options beyond limits and clock.</summary>
    protected virtual FakeUpstreamOptions ConfigureUpstream(FakeUpstreamOptions options) => options;

    public virtual async Task InitializeAsync() =>
        Upstream = await FakeUpstreamServer.StartAsync(ConfigureUpstream(new FakeUpstreamOptions
        {
            // The upstream's windows and Retry-After dates follow the same (virtual) time as the actors.
            TimeProvider = new SchedulerTimeProvider(Sys.Scheduler),
            Limits = UpstreamLimits,
            RandomSeed = 7,
            ShutdownTimeout = TimeSpan.FromSeconds(1),
        }));

    public virtual async Task DisposeAsync()
    {
        await Sys.Terminate().WaitAsync(TimeSpan.FromSeconds(10));
        await Upstream.DisposeAsync();
    }

    /// <summary>Moves virtual time forward, for the actors and the upstream alike; timers due by then fire.</summary>
    protected void Advance(TimeSpan by) => ((TestScheduler)Sys.Scheduler).Advance(by);

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

    /// <summary>Dispatch options over <paramref name="endpoints"/> (default: <see cref="Endpoint"/>).</summary>
    protected DispatchOptions Options(params EndpointOptions[] endpoints)
    {
        if (endpoints.Length == 0) endpoints = [Endpoint()];
        return new DispatchOptions { Endpoints = endpoints.ToDictionary(e => e.Name, StringComparer.Ordinal) };
    }

    /// <summary>Seeded randomness, and every session recorded in <see cref="Sessions"/>.</summary>
    protected DispatchDependencies Dependencies() => new() { Random = new Random(42), SessionOpened = Sessions.Enqueue };

    /// <summary>A DispatchActor over <paramref name="endpoints"/> (default: <see cref="Endpoint"/>).</summary>
    protected IActorRef StartDispatch(params EndpointOptions[] endpoints) =>
        Sys.ActorOf(DispatchActor.Props(Options(endpoints), Dependencies()), "dispatch");

    /// <summary>A call the upstream counts by id, optionally with a fault script for its arrivals (e.g. <c>500,ok</c>).</summary>
    protected static APICalling Call(string id, string? faults = null, string endpoint = Api)
    {
        var headers = new Dictionary<string, string> { [FakeUpstreamHeaders.CallId] = id, [FakeUpstreamHeaders.Tokens] = "1" };
        if (faults is not null) headers[FakeUpstreamHeaders.Fault] = faults;
        return new APICalling(id, endpoint, "{\"text\":\"hi\"}") { Headers = headers, RequiredTokens = 1 };
    }

    /// <summary>A probe subscribed to events of <typeparamref name="T"/>.</summary>
    protected TestProbe Subscribe<T>()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(T));
        return probe;
    }

    /// <summary>
    /// Receives <paramref name="count"/> results on <paramref name="caller"/> (a probe used as the
    /// sender of calls) and checks that no further one follows: exactly one per call id.
    /// </summary>
    protected static IReadOnlyList<APICallResult> ExactlyOneResultEach(TestProbe caller, int count, TimeSpan max)
    {
        var results = caller.ReceiveN(count, max).Select(m => Assert.IsType<APICallResult>(m)).ToList();
        caller.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(count, results.Select(r => r.CallId).Distinct(StringComparer.Ordinal).Count());
        return results;
    }

    /// <summary>Waits (real time, polling) until <paramref name="condition"/> holds.</summary>
    protected Task Until(Func<bool> condition, string what, int seconds = 10) =>
        AwaitConditionAsync(condition, TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(2), what);

    /// <summary>Asks for a call's result; the ask itself has no timeout (Ask's timeout is real time anyway), the wait is real time.</summary>
    protected static Task<APICallResult> Send(IActorRef dispatch, APICalling call) =>
        dispatch.Ask<APICallResult>(call).WaitAsync(TimeSpan.FromSeconds(20));

    protected static Task<StatusSnapshot> StatusOf(IActorRef dispatch) => dispatch.Ask<StatusSnapshot>(new GetStatus(Api)).WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>Waits (real time, polling) until the endpoint's status satisfies <paramref name="condition"/>, and returns that status.</summary>
    protected async Task<StatusSnapshot> StatusUntil(IActorRef dispatch, Func<StatusSnapshot, bool> condition, string what)
    {
        StatusSnapshot? last = null;
        try
        {
            await AwaitConditionAsync(async () => condition(last = await StatusOf(dispatch)), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(2), what);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}; last status {last}");
        }

        return last!;
    }

    /// <summary>
    /// Waits until every unfinished call sits in the queue, in the rate limiter's line or (as
    /// <paramref name="backingOff"/> counts them) in a retry's backoff: held back by the clock.
    /// </summary>
    protected async Task UntilOnlyTimeCanHelp(IActorRef dispatch, Task<APICallResult>[] calls, int executors, Func<int>? backingOff = null)
    {
        StatusSnapshot? status = null;
        var unfinished = 0;
        try
        {
            await AwaitConditionAsync(async () =>
            {
                unfinished = calls.Count(c => !c.IsCompleted);
                if (unfinished == 0) return true;
                status = await StatusOf(dispatch);
                // Calls still queued need every executor busy (executors register as idle after they
                // start), and every busy executor must be in the rate limiter's line.
                return status.InFlight == status.WaitingForCredits + (backingOff?.Invoke() ?? 0) && Upstream.Counters.OpenRequests == 0 &&
                       status.QueueDepth + status.InFlight == unfinished &&
                       (status.QueueDepth == 0 || status.InFlight == executors);
            }, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(1), "the pipeline to settle");
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException(
                $"{e.Message}: at {SchedulerNow:O}, {unfinished} unfinished, {status}, upstream open requests {Upstream.Counters.OpenRequests}");
        }
    }
}
