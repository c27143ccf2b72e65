using Akka.Actor;
using Akka.TestKit;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Protocol;
using Dispatch.Core.Tests.Support;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Proxy;

/// <summary>The proxy's bookkeeping, with test probes as the dispatch nodes and Akka's TestScheduler as the clock.</summary>
public class DispatchProxyTests(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit("""akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit" """, output)
{
    private static readonly Address NodeA = new("akka.tcp", "dispatch", "10.0.0.1", 4053);
    private static readonly Address NodeB = new("akka.tcp", "dispatch", "10.0.0.2", 4053);

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    [Fact]
    public void Calls_go_to_the_ready_node_with_the_fewest_calls_outstanding()
    {
        var (proxy, a, b) = ProxyWithTwoNodes();

        for (var i = 0; i < 4; i++) proxy.Tell(Call($"c{i}"), TestActor);

        var toA = a.ReceiveN(2).Cast<APICalling>().ToArray();
        Assert.Equal(2, b.ReceiveN(2).Count);
        a.Reply(APICallResult.Completed(toA[0].CallId, 200, "{}"));
        ExpectMsg<APICallResult>();
        proxy.Tell(Call("c4"), TestActor);
        a.ExpectMsg<APICalling>(c => c.CallId == "c4");
        b.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Every_call_carries_its_id_as_Idempotency_Key()
    {
        var (proxy, a, _) = ProxyWithOneNode();

        proxy.Tell(Call("c1"), TestActor);

        var sent = a.ExpectMsg<APICalling>();
        Assert.Equal("c1", sent.CallId);
        Assert.Equal("c1", sent.Headers!["Idempotency-Key"]);
        Assert.Equal("1", sent.Headers!["x-test"]);
    }

    [Fact]
    public void A_call_whose_node_is_lost_goes_to_another_node_with_the_same_id()
    {
        var resent = Listen<CallResent>();
        var (proxy, a, b) = ProxyWithACallOnNodeA("c1");

        proxy.Tell(new NodeLost(NodeA));

        var again = b.ExpectMsg<APICalling>();
        Assert.Equal("c1", again.CallId);
        Assert.Equal("c1", again.Headers!["Idempotency-Key"]);
        Assert.Equal(new CallResent("c1", "api", NodeA.ToString(), 2), resent.ExpectMsg<CallResent>());
        b.Reply(APICallResult.Completed("c1", 200, "{}"));
        Assert.Equal(CallStatus.Completed, ExpectMsg<APICallResult>().Status);
    }

    [Fact]
    public void Each_answer_is_published_once_with_the_time_the_caller_waited()
    {
        var finished = Listen<ProxyCallFinished>();
        var (proxy, a, b) = ProxyWithACallOnNodeA("c1");
        Scheduler.Advance(TimeSpan.FromSeconds(2));
        proxy.Tell(new NodeLost(NodeA));
        b.ExpectMsg<APICalling>();
        Scheduler.Advance(TimeSpan.FromSeconds(1));

        b.Reply(APICallResult.Completed("c1", 200, "from b"));
        proxy.Tell(APICallResult.Completed("c1", 200, "from a, late"), a.Ref);

        var published = finished.ExpectMsg<ProxyCallFinished>();
        Assert.Equal(("api", "c1", "from b", TimeSpan.FromSeconds(3)), (published.Endpoint, published.Result.CallId, published.Result.Body, published.Duration));
        finished.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_call_refused_at_once_is_published_with_no_wait()
    {
        var (proxy, a, _) = ProxyWithOneNode();
        var finished = Listen<ProxyCallFinished>();
        proxy.Tell(Call("c1"), TestActor);
        a.ExpectMsg<APICalling>();

        proxy.Tell(Call("c1"), TestActor);

        var published = finished.ExpectMsg<ProxyCallFinished>();
        Assert.Equal((CallStatus.Rejected, ErrorKind.InvalidRequest, TimeSpan.Zero), (published.Result.Status, published.Result.Error, published.Duration));
    }

    [Fact]
    public void A_node_whose_DispatchActor_stops_loses_its_calls_to_another_node()
    {
        var (proxy, a, b) = ProxyWithACallOnNodeA("c1");

        Sys.Stop(a.Ref);

        Assert.Equal("c1", b.ExpectMsg<APICalling>().CallId);
    }

    [Fact]
    public void The_caller_gets_the_first_answer_only()
    {
        var (proxy, a, b) = ProxyWithACallOnNodeA("c1");
        var lastSender = a.LastSender;
        proxy.Tell(new NodeLost(NodeA));
        b.ExpectMsg<APICalling>();

        proxy.Tell(APICallResult.Completed("c1", 200, "from a"), a.Ref);
        b.Reply(APICallResult.Completed("c1", 200, "from b"));

        Assert.Equal("from a", ExpectMsg<APICallResult>().Body);
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Same(proxy, lastSender);
    }

    [Fact]
    public void Calls_wait_while_no_node_is_ready_and_go_to_the_first_that_is()
    {
        var proxy = Sys.ActorOf(DispatchProxy.Props(null, followCluster: false));
        var a = CreateTestProbe();

        proxy.Tell(Call("c1"), TestActor);
        proxy.Tell(Call("c2"), TestActor);
        proxy.Tell(new NodeReady(NodeA, a.Ref));

        Assert.Equal(["c1", "c2"], a.ReceiveN(2).Cast<APICalling>().Select(c => c.CallId));
    }

    [Fact]
    public void A_call_beyond_the_waiting_limit_is_rejected_QueueFull()
    {
        var proxy = Sys.ActorOf(DispatchProxy.Props(new DispatchProxyOptions { MaxWaitingCalls = 1 }, followCluster: false));

        proxy.Tell(Call("c1"), TestActor);
        proxy.Tell(Call("c2"), TestActor);

        var refused = ExpectMsg<APICallResult>();
        Assert.Equal(("c2", CallStatus.Rejected, ErrorKind.QueueFull), (refused.CallId, refused.Status, refused.Error));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_call_whose_deadline_passes_is_answered_TimedOut_and_its_late_answer_dropped()
    {
        var (proxy, a, _) = ProxyWithOneNode();
        proxy.Tell(Call("c1") with { Deadline = Scheduler.Now + TimeSpan.FromSeconds(5) }, TestActor);
        a.ExpectMsg<APICalling>();

        Scheduler.Advance(TimeSpan.FromSeconds(4));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Scheduler.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(CallStatus.TimedOut, ExpectMsg<APICallResult>().Status);
        a.Reply(APICallResult.Completed("c1", 200, "{}"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_cancel_goes_to_the_node_running_the_call()
    {
        var (proxy, a, _) = ProxyWithOneNode();
        proxy.Tell(Call("c1"), TestActor);
        a.ExpectMsg<APICalling>();

        proxy.Tell(new CancelCall("c1"), TestActor);

        Assert.Equal("c1", a.ExpectMsg<CancelCall>().CallId);
        a.Reply(APICallResult.Cancelled("c1", "cancelled by the caller"));
        Assert.Equal(CallStatus.Cancelled, ExpectMsg<APICallResult>().Status);
    }

    [Fact]
    public void A_waiting_call_is_cancelled_at_once()
    {
        var proxy = Sys.ActorOf(DispatchProxy.Props(null, followCluster: false));
        proxy.Tell(Call("c1"), TestActor);

        proxy.Tell(new CancelCall("c1"), TestActor);

        Assert.Equal(CallStatus.Cancelled, ExpectMsg<APICallResult>().Status);
        var a = CreateTestProbe();
        proxy.Tell(new NodeReady(NodeA, a.Ref));
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void An_unasked_Cancelled_answer_from_a_node_shutting_down_sends_the_call_elsewhere()
    {
        var (proxy, a, b) = ProxyWithACallOnNodeA("c1");

        a.Reply(APICallResult.Rejected("c1", ErrorKind.Cancelled, "the node is shutting down and accepts no new calls"));

        Assert.Equal("c1", b.ExpectMsg<APICalling>().CallId);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        proxy.Tell(Call("c2"), TestActor);
        Assert.Equal("c2", b.ExpectMsg<APICalling>().CallId);
    }

    [Fact]
    public void An_unreachable_node_gets_no_new_calls_and_keeps_those_it_has()
    {
        var (proxy, a, b) = ProxyWithTwoNodes();
        proxy.Tell(Call("c1"), TestActor);
        Assert.Equal("c1", a.ExpectMsg<APICalling>().CallId);

        proxy.Tell(new NodeAvailability(NodeA, false));
        proxy.Tell(Call("c2"), TestActor);
        proxy.Tell(Call("c3"), TestActor);

        Assert.Equal(["c2", "c3"], b.ReceiveN(2).Cast<APICalling>().Select(c => c.CallId));
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        proxy.Tell(APICallResult.Completed("c1", 200, "{}"), a.Ref);
        Assert.Equal("c1", ExpectMsg<APICallResult>().CallId);
    }

    [Fact]
    public void A_second_call_under_an_id_still_unanswered_is_rejected()
    {
        var (proxy, a, _) = ProxyWithOneNode();
        proxy.Tell(Call("c1"), TestActor);
        a.ExpectMsg<APICalling>();

        proxy.Tell(Call("c1"), TestActor);

        var refused = ExpectMsg<APICallResult>();
        Assert.Equal((CallStatus.Rejected, ErrorKind.InvalidRequest), (refused.Status, refused.Error));
        a.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_drain_refuses_new_calls_and_cancels_what_is_left_at_its_timeout()
    {
        var (proxy, a, _) = ProxyWithOneNode();
        proxy.Tell(Call("c1"), TestActor);
        proxy.Tell(Call("c2"), TestActor);
        a.ReceiveN(2);
        var drain = CreateTestProbe();

        proxy.Tell(new Drain(TimeSpan.FromSeconds(10)), drain.Ref);
        proxy.Tell(Call("c3"), TestActor);
        Assert.Equal(("c3", CallStatus.Rejected), ExpectMsg<APICallResult>() is var refused ? (refused.CallId, refused.Status) : default);
        proxy.Tell(APICallResult.Completed("c1", 200, "{}"), a.Ref);
        Assert.Equal(("c1", CallStatus.Completed), ExpectMsg<APICallResult>() is var done ? (done.CallId, done.Status) : default);
        Scheduler.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(("c2", CallStatus.Cancelled), ExpectMsg<APICallResult>() is var cancelled ? (cancelled.CallId, cancelled.Status) : default);
        Assert.Equal("c2", a.ExpectMsg<CancelCall>().CallId);
        Assert.Equal(new DrainCompleted(1, 1), drain.ExpectMsg<DrainCompleted>());
    }

    [Fact]
    public void Status_is_the_sum_over_the_ready_nodes_with_the_worst_breaker()
    {
        var (proxy, a, b) = ProxyWithTwoNodes();

        proxy.Tell(new GetStatus(), TestActor);
        a.ExpectMsg<GetStatus>();
        a.Reply(new DispatchStatus(Scheduler.Now, [Snapshot(queued: 2, requestsLeft: 5, BreakerState.Closed, completed: 10)]));
        b.ExpectMsg<GetStatus>();
        b.Reply(new DispatchStatus(Scheduler.Now, [Snapshot(queued: 3, requestsLeft: 1, BreakerState.Open, completed: 7)]));

        var sum = Assert.Single(ExpectMsg<DispatchStatus>().Endpoints);
        Assert.Equal(("api", 5, 6L, BreakerState.Open, 17L), (sum.Endpoint, sum.QueueDepth, sum.RequestCreditsLeft, sum.Breaker, sum.Counters.Completed));
        Assert.Null(sum.TokenCreditsLeft);
    }

    [Fact]
    public void The_proxy_status_names_its_nodes_and_calls()
    {
        var (proxy, a, _) = ProxyWithOneNode();
        proxy.Tell(Call("c1"), TestActor);
        a.ExpectMsg<APICalling>();

        proxy.Tell(GetProxyStatus.Instance, TestActor);

        var status = ExpectMsg<DispatchProxyStatus>();
        Assert.Equal((1, 0, 0L), (status.Calls, status.Waiting, status.Resent));
        Assert.Equal([new ProxyNodeStatus(NodeA.ToString(), true, 1)], status.Nodes);
    }

    [Fact]
    public void Stopping_the_proxy_answers_every_call_it_holds_Cancelled()
    {
        var (proxy, a, _) = ProxyWithOneNode();
        proxy.Tell(Call("c1"), TestActor);
        a.ExpectMsg<APICalling>();

        Sys.Stop(proxy);

        Assert.Equal(CallStatus.Cancelled, ExpectMsg<APICallResult>().Status);
        Assert.Equal("c1", a.ExpectMsg<CancelCall>().CallId);
    }

    [Fact]
    public void A_streamed_call_to_a_node_without_a_receiver_of_streamed_calls_goes_to_its_DispatchActor_as_any_call()
    {
        var (proxy, a, _) = ProxyWithOneNode();
        var stream = new RecordingResponseStream();

        proxy.Tell(Call("c1") with { ResponseStream = stream }, TestActor);

        Assert.Same(stream, a.ExpectMsg<APICalling>().ResponseStream);
    }

    [Fact]
    public void A_streamed_call_to_a_node_in_the_proxys_own_process_keeps_its_stream_and_needs_no_stream_ref()
    {
        var proxy = Sys.ActorOf(DispatchProxy.Props(null, followCluster: false));
        var (a, streams) = (CreateTestProbe(), CreateTestProbe());
        proxy.Tell(new NodeReady(NodeA, a.Ref, streams.Ref));
        var stream = new RecordingResponseStream();

        proxy.Tell(Call("c1") with { ResponseStream = stream }, TestActor);

        Assert.Same(stream, a.ExpectMsg<APICalling>().ResponseStream);
        streams.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    private StatusSnapshot Snapshot(int queued, long requestsLeft, BreakerState breaker, long completed) =>
        new("api", Scheduler.Now) { QueueDepth = queued, RequestCreditsLeft = requestsLeft, Breaker = breaker, Counters = new CallCounters { Completed = completed } };

    private static APICalling Call(string id) => new(id, "api", "{}") { Headers = new Dictionary<string, string> { ["x-test"] = "1" } };

    /// <summary>A probe that receives the events of type <typeparamref name="T"/> published on the event stream.</summary>
    private TestProbe Listen<T>()
    {
        var probe = CreateTestProbe();
        Sys.EventStream.Subscribe(probe.Ref, typeof(T));
        return probe;
    }

    private (IActorRef Proxy, TestProbe A, TestProbe B) ProxyWithOneNode()
    {
        var proxy = Sys.ActorOf(DispatchProxy.Props(null, followCluster: false));
        var a = CreateTestProbe();
        proxy.Tell(new NodeReady(NodeA, a.Ref));
        return (proxy, a, CreateTestProbe());
    }

    /// <summary>A proxy whose call <paramref name="callId"/> runs on node A, with node B ready beside it.</summary>
    private (IActorRef Proxy, TestProbe A, TestProbe B) ProxyWithACallOnNodeA(string callId)
    {
        var (proxy, a, b) = ProxyWithOneNode();
        proxy.Tell(Call(callId), TestActor);
        a.ExpectMsg<APICalling>();
        proxy.Tell(new NodeReady(NodeB, b.Ref));
        return (proxy, a, b);
    }

    private (IActorRef Proxy, TestProbe A, TestProbe B) ProxyWithTwoNodes()
    {
        var (proxy, a, b) = ProxyWithOneNode();
        proxy.Tell(new NodeReady(NodeB, b.Ref));
        return (proxy, a, b);
    }
}
