using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Dispatch.Core.Endpoints;
using Dispatch.Core.Execution;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Retry;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Execution;

/// <summary>
/// The ledger counts a grant from the instant it is made, and its guard covers only a short delay
/// from then to the request's arrival. An executor held up between the grant and the send (the
/// accuracy bench's 429s: the first timers of an actor system held 61 executors for 12.9 s on
/// Akka's lazily started scheduler, with their grants already charged) must not send on a grant
/// older than the guard: it hands the tokens back and asks again, so the request is charged when it goes.
/// </summary>
public sealed class ExecutorGrantAgeTests(ITestOutputHelper output)
    : TestKit(ConfigurationFactory.ParseString("""akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit" """), output: output)
{
    private static readonly TimeSpan Guard = TimeSpan.FromMilliseconds(200);

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    [Fact]
    public void A_grant_older_than_the_guard_when_the_request_would_leave_is_handed_back_and_asked_for_again()
    {
        var (limiter, endpoint, executor) = Start("call-1");
        var first = limiter.ExpectMsg<AcquireCredits>();
        var grantedAt = Sys.Scheduler.Now;

        // The grant reaches the executor 12.9 s after the ledger made it (a stalled thread).
        Scheduler.Advance(TimeSpan.FromSeconds(12.9));
        executor.Tell(new CreditsGranted("call-1", first.Ticket, GrantId: 7, Tokens: 100, grantedAt), limiter.Ref);

        var refund = limiter.ExpectMsg<ReconcileCredits>();
        Assert.Equal(7, refund.GrantId);
        Assert.Equal(0, refund.ActualTokens);
        var again = limiter.ExpectMsg<AcquireCredits>();
        Assert.Equal("call-1", again.CallId);
        Assert.NotEqual(first.Ticket, again.Ticket);
        endpoint.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // A fresh grant is used.
        executor.Tell(new CreditsGranted("call-1", again.Ticket, GrantId: 8, Tokens: 100, Sys.Scheduler.Now), limiter.Ref);
        var invoke = endpoint.ExpectMsg<Invoke>();
        Assert.Equal("call-1", invoke.Call.CallId);
        limiter.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_grant_within_the_guard_is_sent()
    {
        var (limiter, endpoint, executor) = Start("call-2");
        var request = limiter.ExpectMsg<AcquireCredits>();
        var grantedAt = Sys.Scheduler.Now;
        Scheduler.Advance(TimeSpan.FromMilliseconds(150));
        executor.Tell(new CreditsGranted("call-2", request.Ticket, GrantId: 3, Tokens: 50, grantedAt), limiter.Ref);

        Assert.Equal("call-2", endpoint.ExpectMsg<Invoke>().Call.CallId);
        limiter.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    private (TestProbe Limiter, TestProbe Endpoint, IActorRef Executor) Start(string callId)
    {
        var limiter = CreateTestProbe();
        var endpoint = CreateTestProbe();
        var retry = new RetryOptions { MaxAttempts = 1 };
        // No session lent: the executor asks the endpoint actor (here a probe) to send.
        var executor = Sys.ActorOf(Props.Create(() => new ExecutorActor(
            "api", limiter.Ref, endpoint.Ref, new SessionHolder(), new CreditGate(), retry, TimeSpan.FromSeconds(30), 1, Guard)));
        var call = new APICalling(callId, "api", "{}");
        executor.Tell(new WorkAvailable(new PendingCall(new CallExecution(call, Sys.Scheduler.Now), TestActor, 100, 1)));
        return (limiter, endpoint, executor);
    }
}
