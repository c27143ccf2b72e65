using Akka.Actor;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Queue;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Dispatching;

public class DispatchActorTests(ITestOutputHelper output) : DispatchSpec(output)
{
    [Fact]
    public async Task A_call_is_sent_to_the_upstream_and_answered_once_completed()
    {
        var dispatch = StartDispatch();

        var result = await Send(dispatch, Call("c1"));

        Assert.Equal(CallStatus.Completed, result.Status);
        Assert.Equal(200, result.HttpStatus);
        Assert.Equal(1, result.Attempts);
        Assert.Equal(1, Upstream.Counters.ArrivalsOf("c1"));
    }

    [Fact]
    public void A_call_to_an_unknown_endpoint_is_rejected_as_invalid_naming_it()
    {
        var dispatch = StartDispatch();

        dispatch.Tell(Call("c1", endpoint: "nowhere"), TestActor);

        var result = ExpectMsg<APICallResult>();
        Assert.Equal(CallStatus.Rejected, result.Status);
        Assert.Equal(ErrorKind.InvalidRequest, result.Error);
        Assert.Contains("'nowhere'", result.ErrorMessage);
        Assert.Equal(0, Upstream.Counters.RequestsReceived);
    }

    [Fact]
    public void A_call_without_a_sender_is_processed_and_its_result_published()
    {
        var finished = Subscribe<CallFinished>();
        var dispatch = StartDispatch();

        dispatch.Tell(Call("c1"), null);

        var published = finished.ExpectMsg<CallFinished>(TimeSpan.FromSeconds(10));
        Assert.Equal(Api, published.Endpoint);
        Assert.Equal(CallStatus.Completed, published.Result.Status);
    }

    [Fact]
    public void A_users_own_actor_that_tells_a_call_gets_exactly_one_result_back_to_itself()
    {
        var dispatch = StartDispatch();
        var reports = CreateTestProbe();

        Sys.ActorOf(Props.Create(() => new Caller(dispatch, Call("c1"), reports.Ref)), "caller");

        var result = reports.ExpectMsg<APICallResult>(TimeSpan.FromSeconds(10));
        Assert.Equal(("c1", CallStatus.Completed), (result.CallId, result.Status));
        reports.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, Upstream.Counters.ArrivalsOf("c1"));
    }

    [Fact]
    public async Task A_call_needing_more_tokens_than_the_limit_allows_is_rejected_at_once()
    {
        var dispatch = StartDispatch(Endpoint(e => e with { RateLimit = new RateLimitOptions { Requests = null, Tokens = 100 } }));

        var result = await Send(dispatch, Call("big") with { RequiredTokens = 101 });

        Assert.Equal(CallStatus.Rejected, result.Status);
        Assert.Equal(ErrorKind.InvalidRequest, result.Error);
        Assert.Contains("101 tokens", result.ErrorMessage);
        Assert.Equal(0, Upstream.Counters.RequestsReceived);
    }

    [Fact]
    public async Task A_call_arriving_when_the_queue_is_full_is_rejected_queue_full_at_once()
    {
        var dispatch = StartDispatch(Endpoint(e => e with { Executor = new Dispatch.Core.Execution.ExecutorOptions { Concurrency = 1 }, Queue = new QueueOptions { Capacity = 1 } }));
        dispatch.Tell(Call("in-flight", "timeout"), TestActor);
        await Until(() => Upstream.Counters.ArrivalsOf("in-flight") == 1, "the first call to be in flight");

        dispatch.Tell(Call("queued"), TestActor);
        dispatch.Tell(Call("refused"), TestActor);

        var result = ExpectMsg<APICallResult>();
        Assert.Equal("refused", result.CallId);
        Assert.Equal(CallStatus.Rejected, result.Status);
        Assert.Equal(ErrorKind.QueueFull, result.Error);
        Assert.Equal(1, (await StatusOf(dispatch)).QueueDepth);
    }

    [Fact]
    public async Task A_cacheable_call_repeated_is_answered_from_the_cache_without_sending()
    {
        var dispatch = StartDispatch();
        var first = Call("c1") with { CacheControl = CacheControl.Default, Headers = null };

        await Send(dispatch, first);
        await StatusUntil(dispatch, s => s.Counters.Completed == 1, "the answer to be stored");
        var second = await Send(dispatch, first with { CallId = "c2" });

        Assert.True(second.FromCache);
        Assert.Equal("c2", second.CallId);
        Assert.Equal(1, Upstream.Counters.RequestsReceived);
    }

    [Fact]
    public async Task The_status_reports_queue_in_flight_credits_breaker_and_counters()
    {
        var dispatch = StartDispatch(Endpoint(e => e with { RateLimit = new RateLimitOptions { Requests = 10, Tokens = 1000 } }));
        await Send(dispatch, Call("c1"));
        await StatusUntil(dispatch, s => s.Counters.Completed == 1, "the call to be booked");

        var all = await dispatch.Ask<DispatchStatus>(new GetStatus()).WaitAsync(TimeSpan.FromSeconds(10));

        var status = Assert.Single(all.Endpoints);
        Assert.Equal(Api, status.Endpoint);
        Assert.Equal(0, status.QueueDepth);
        Assert.Equal(0, status.InFlight);
        Assert.Equal(9, status.RequestCreditsLeft);
        Assert.Equal(BreakerState.Closed, status.Breaker);
        Assert.Equal(1, status.Counters.Completed);
    }

    /// <summary>A plain Akka actor of the user's: it Tells a call to Dispatch as itself, and reports each result its own mailbox receives.</summary>
    private sealed class Caller : ReceiveActor
    {
        private readonly IActorRef _dispatch;
        private readonly APICalling _call;

        public Caller(IActorRef dispatch, APICalling call, IActorRef reports)
        {
            _dispatch = dispatch;
            _call = call;
            Receive<APICallResult>(result => reports.Tell(result, Self));
        }

        protected override void PreStart() => _dispatch.Tell(_call, Self);
    }
}
