using Akka.Actor;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Dispatch.FakeUpstream;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Leasing;

/// <summary>Core's side of the lease: a credit source that gets credits from elsewhere wakes the rate limiter itself (<see cref="ICreditSource.CreditsArrived"/>).</summary>
public class RateLimiterWakeTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit("akka.loglevel = WARNING", output), IAsyncLifetime
{
    private FakeUpstreamServer _upstream = null!;

    public async Task InitializeAsync() => _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());

    public async Task DisposeAsync()
    {
        await Sys.Terminate();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task A_call_waiting_for_credits_is_granted_when_the_source_says_they_arrived_not_when_it_said_to_retry()
    {
        var source = new GatedSource();
        var endpoint = new EndpointOptions("api", _upstream.BaseUrl) { Path = "/v1/echo" };
        var options = new DispatchOptions { Endpoints = new Dictionary<string, EndpointOptions> { ["api"] = endpoint } };
        var dispatch = Sys.ActorOf(DispatchActor.Props(options, new DispatchDependencies { CreditSourceFactory = _ => source }));

        var result = dispatch.Ask<APICallResult>(new APICalling("c1", "api", "{}") { RequiredTokens = 1 });
        AwaitCondition(() => source.Refusals > 0, TimeSpan.FromSeconds(10));
        Assert.False(result.IsCompleted);
        source.Open();

        var answer = await result.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(CallStatus.Completed, answer.Status);
        Assert.Equal(1, _upstream.Counters.RequestsReceived);
    }

    /// <summary>Refuses every grant until an hour from now, until it is opened; then it grants and says so.</summary>
    private sealed class GatedSource : ICreditSource
    {
        private volatile bool _open;
        private int _refusals;
        private Action? _arrived;

        public event Action CreditsArrived
        {
            add => _arrived += value;
            remove => _arrived -= value;
        }

        public int Refusals => Volatile.Read(ref _refusals);

        public long? RequestLimit => 10;

        public long? TokenLimit => null;

        public bool IsShared => true;

        public void Open()
        {
            _open = true;
            _arrived?.Invoke();
        }

        public CreditAttempt TryAcquire(int requests, long tokens, DateTimeOffset now)
        {
            if (_open) return CreditAttempt.Grant(1);
            Interlocked.Increment(ref _refusals);
            return CreditAttempt.NotBefore(now + TimeSpan.FromHours(1));
        }

        public bool Reconcile(long grantId, long actualTokens, DateTimeOffset now) => false;

        public void PauseUntil(DateTimeOffset until)
        {
        }

        public CreditBalance Available(DateTimeOffset now) => new(_open ? 10 : 0, null, null);
    }
}
