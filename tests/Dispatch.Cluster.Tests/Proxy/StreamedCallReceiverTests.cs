using System.Collections.Immutable;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Protocol;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Proxy;

/// <summary>A dispatch node's end of streamed calls, with a test probe as its <c>DispatchActor</c> and a local sink ref as the proxy's end.</summary>
public class StreamedCallReceiverTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    [Fact]
    public async Task The_result_follows_the_last_chunk_and_comes_as_the_DispatchActors()
    {
        var dispatch = CreateTestProbe();
        var receiver = Sys.ActorOf(StreamedCallReceiver.Props(dispatch.Ref));
        var (answer, parts) = await ProxyEnd();

        receiver.Tell(new StreamedCall(new APICalling("c1", "api", "{}"), answer), TestActor);
        var call = dispatch.ExpectMsg<APICalling>();
        await call.ResponseStream!.WriteAsync("data: 1\n\n"u8.ToArray(), CancellationToken.None);
        dispatch.Reply(APICallResult.Completed("c1", 200, ""));

        var result = ExpectMsg<APICallResult>();
        Assert.Equal(CallStatus.Completed, result.Status);
        Assert.Equal(dispatch.Ref, LastSender);
        var received = await parts.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("data: 1\n\n", System.Text.Encoding.UTF8.GetString((byte[])Assert.Single(received)));
    }

    [Fact]
    public async Task Calls_the_DispatchActor_has_not_answered_when_it_stops_are_answered_Cancelled_and_the_receiver_stops()
    {
        var dispatch = CreateTestProbe();
        var receiver = Sys.ActorOf(StreamedCallReceiver.Props(dispatch.Ref));
        Watch(receiver);
        var (first, _) = await ProxyEnd();
        var (second, _) = await ProxyEnd();
        receiver.Tell(new StreamedCall(new APICalling("c1", "api", "{}"), first), TestActor);
        receiver.Tell(new StreamedCall(new APICalling("c2", "api", "{}"), second), TestActor);
        dispatch.ExpectMsg<APICalling>();
        dispatch.ExpectMsg<APICalling>();

        Sys.Stop(dispatch.Ref);

        var results = ReceiveN(3).ToList();
        Assert.Single(results.OfType<Terminated>(), t => t.ActorRef.Equals(receiver));
        var answered = results.OfType<APICallResult>().OrderBy(r => r.CallId, StringComparer.Ordinal).ToList();
        Assert.Equal(["c1", "c2"], answered.Select(r => r.CallId));
        Assert.All(answered, r => Assert.Equal(ErrorKind.Cancelled, r.Error));
    }

    [Fact]
    public async Task A_receiver_stopped_on_its_own_still_passes_on_the_DispatchActors_answer()
    {
        var dispatch = CreateTestProbe();
        var receiver = Sys.ActorOf(StreamedCallReceiver.Props(dispatch.Ref));
        var (answer, _) = await ProxyEnd();
        receiver.Tell(new StreamedCall(new APICalling("c1", "api", "{}"), answer), TestActor);
        dispatch.ExpectMsg<APICalling>();
        Watch(receiver);
        Sys.Stop(receiver);
        ExpectTerminated(receiver);

        dispatch.Reply(APICallResult.Completed("c1", 200, ""));

        Assert.Equal(CallStatus.Completed, ExpectMsg<APICallResult>().Status);
    }

    /// <summary>The proxy's end of a streamed answer: a sink ref whose parts are gathered until the stream completes.</summary>
    private async Task<(ISinkRef<object> Answer, Task<IImmutableList<object>> Parts)> ProxyEnd()
    {
        var (answer, parts) = StreamRefs.SinkRef<object>().ToMaterialized(Sink.Seq<object>(), Keep.Both).Run(Sys.Materializer());
        return (await answer.WaitAsync(TimeSpan.FromSeconds(10)), parts);
    }
}
