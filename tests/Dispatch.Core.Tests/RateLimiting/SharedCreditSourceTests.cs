using Dispatch.Core.Dispatching;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Tests.Dispatching;
using Xunit;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.RateLimiting;

/// <summary>
/// An unlimited local source lets executors skip the rate limiter; a shared one (cluster mode)
/// must not, or another node's 429 pause would go unseen.
/// </summary>
public sealed class SharedCreditSourceTests(ITestOutputHelper output) : DispatchSpec(output)
{
    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 3)]
    public async Task Executors_ask_an_unlimited_source_only_when_it_is_shared(bool shared, int expectedAsks)
    {
        var source = new CountingSource(shared);
        var endpoint = Endpoint();
        var options = new DispatchOptions { Endpoints = new Dictionary<string, EndpointOptions>(StringComparer.Ordinal) { [Api] = endpoint } };
        var dispatch = Sys.ActorOf(DispatchActor.Props(options, new DispatchDependencies { CreditSourceFactory = _ => source }), "dispatch");

        // The first call may reach the limiter before it has opened the gate.
        Assert.Equal(CallStatus.Completed, (await Send(dispatch, Call("warm-up"))).Status);
        var before = source.Asks;
        for (var i = 0; i < 3; i++) Assert.Equal(CallStatus.Completed, (await Send(dispatch, Call($"c{i}"))).Status);

        Assert.Equal(expectedAsks, source.Asks - before);
    }

    [Fact]
    public async Task A_pause_of_a_shared_unlimited_source_holds_calls_back()
    {
        var source = new CountingSource(shared: true) { PausedUntil = DateTimeOffset.MaxValue };
        var options = new DispatchOptions { Endpoints = new Dictionary<string, EndpointOptions>(StringComparer.Ordinal) { [Api] = Endpoint() } };
        var dispatch = Sys.ActorOf(DispatchActor.Props(options, new DispatchDependencies { CreditSourceFactory = _ => source }), "dispatch");

        var pending = Send(dispatch, Call("held"));
        await Until(() => source.Asks > 0, "the executor asking the shared source");

        Assert.False(pending.IsCompleted);
        Assert.Equal(0L, Upstream.Counters.ArrivalsOf("held"));
    }

    private sealed class CountingSource(bool shared) : ICreditSource
    {
        private int _asks;
        private long _grants;

        public int Asks => Volatile.Read(ref _asks);

        public DateTimeOffset? PausedUntil { get; set; }

        public long? RequestLimit => null;

        public long? TokenLimit => null;

        public bool IsShared => shared;

        public CreditAttempt TryAcquire(int requests, long tokens, DateTimeOffset now)
        {
            Interlocked.Increment(ref _asks);
            return PausedUntil is { } until && until > now ? CreditAttempt.NotBefore(until) : CreditAttempt.Grant(Interlocked.Increment(ref _grants));
        }

        public bool Reconcile(long grantId, long actualTokens, DateTimeOffset now) => true;

        public void PauseUntil(DateTimeOffset until) => PausedUntil = until;

        public CreditBalance Available(DateTimeOffset now) => new(null, null, PausedUntil is { } until && until > now ? until : null);
    }
}
