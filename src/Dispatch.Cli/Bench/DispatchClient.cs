using Akka.Actor;
using Akka.Configuration;
using Dispatch.Core.Breaker;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Execution;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.Queue;
using Dispatch.Core.Retry;
using CoreRateLimit = Dispatch.Core.RateLimiting.RateLimitOptions;

namespace Dispatch.Cli.Bench;

/// <summary>
/// Dispatch as a program uses it: an actor system with one <see cref="DispatchActor"/> and one
/// endpoint configured from the profile, and an Ask per call.
/// </summary>
internal sealed class DispatchClient : IBenchClient
{
    /// <summary>The endpoint's name in the configuration.</summary>
    public const string Endpoint = "bench";

    /// <summary>Akka's defaults, without the dead-letter and info logging a benchmark does not want on its console.</summary>
    private static readonly Config Quiet = ConfigurationFactory.ParseString("""
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        """);

    private readonly ActorSystem _system;
    private readonly IActorRef _dispatch;
    private readonly Dispatch.Core.Dispatching.DispatchClient _client;

    /// <summary>A client of the upstream at <paramref name="baseAddress"/>.</summary>
    /// <param name="baseAddress">The upstream.</param>
    /// <param name="profile">Limits and policies.</param>
    /// <param name="onBreakerChange">Told the breaker's new state ("Open", "HalfOpen", "Closed").</param>
    public DispatchClient(Uri baseAddress, ClientProfile profile, Action<string>? onBreakerChange = null)
    {
        _system = ActorSystem.Create("bench", Quiet);
        var endpoint = new EndpointOptions(Endpoint, baseAddress.GetLeftPart(UriPartial.Authority))
        {
            Path = Workload.Path,
            MaxConnections = profile.Concurrency,
            AttemptTimeout = profile.AttemptTimeout,
            RateLimit = new CoreRateLimit { Requests = profile.Requests, Tokens = profile.Tokens, Interval = profile.Window, Pacing = profile.Pacing, Burst = profile.Burst },
            Queue = new QueueOptions { Capacity = profile.QueueCapacity },
            Executor = new ExecutorOptions { Concurrency = profile.Concurrency },
            Retry = new RetryOptions { MaxAttempts = profile.MaxAttempts, BaseDelay = profile.BaseDelay, MaxDelay = profile.MaxDelay },
            // Hold, not Reject: calls wait out an outage in the queue instead of failing, and a
            // fixed reset timeout makes "one probe per reset timeout" checkable.
            Breaker = new BreakerOptions
            {
                ResetTimeout = profile.BreakDuration,
                MaxResetTimeout = profile.BreakDuration,
                WhenOpen = WhenOpen.Hold,
            },
        };
        var options = new DispatchOptions { Endpoints = new Dictionary<string, EndpointOptions> { [Endpoint] = endpoint } };
        _dispatch = _system.ActorOf(DispatchActor.Props(options), "dispatch");
        _client = new Dispatch.Core.Dispatching.DispatchClient(_system, _dispatch);
        if (onBreakerChange is not null)
        {
            var watcher = _system.ActorOf(Props.Create(() => new BreakerWatcher(onBreakerChange)), "breaker-watcher");
            _system.EventStream.Subscribe(watcher, typeof(BreakerStateChanged));
        }
    }

    /// <inheritdoc />
    public string Name => "Dispatch";

    /// <inheritdoc />
    public async Task<CallOutcome> SendAsync(BenchCall call, CancellationToken cancellationToken)
    {
        var calling = new APICalling(call.CallId, Endpoint, call.Payload) { RequiredTokens = call.Tokens };
        var result = await _client.SendAsync(calling, cancellationToken).ConfigureAwait(false);
        var status = result.Status switch
        {
            CallStatus.Completed => OutcomeStatus.Completed,
            CallStatus.Rejected => OutcomeStatus.Rejected,
            CallStatus.Cancelled => OutcomeStatus.Cancelled,
            _ => OutcomeStatus.Failed,
        };
        return new CallOutcome(status, result.HttpStatus ?? 0);
    }

    /// <summary>The endpoint's status snapshot (queue depth, limits in force, ...).</summary>
    public Task<StatusSnapshot> StatusAsync() => _dispatch.Ask<StatusSnapshot>(new GetStatus(Endpoint), TimeSpan.FromSeconds(30));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _system.Terminate().ConfigureAwait(false);
    }

    /// <summary>Relays the endpoint's breaker transitions to the scenario.</summary>
    private sealed class BreakerWatcher : ReceiveActor
    {
        public BreakerWatcher(Action<string> observer) =>
            Receive<BreakerStateChanged>(changed => observer(changed.To.ToString()));
    }
}
