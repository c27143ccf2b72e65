using Dispatch.Cluster.Work;
using Dispatch.Core.Protocol;
using Dispatch.Testing;

namespace Dispatch.Cluster.Tests.Work;

[Collection(RedisCollection.Name)]
public sealed class ClusterSubmitActorTests(RedisServerFixture redis) : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_call_told_to_the_actor_is_answered_with_the_result_from_the_node_that_ran_it()
    {
        string prefix = TestCluster.NewPrefix();
        await using var submitter = new ClusterWorkQueue(TestCluster.Options(redis.Server.Options, prefix, "a"));
        await using var worker = new ClusterWorkQueue(TestCluster.Options(redis.Server.Options, prefix, "b"));
        await submitter.StartAsync();
        worker.StartConsuming(["chat"], (call, _) => Task.FromResult(APICallResult.Completed(call.CallId, 200, "from b")));
        var actor = Sys.ActorOf(ClusterSubmitActor.Props(submitter));

        actor.Tell(new APICalling("call-1", "chat", "{}"), TestActor);

        var result = ExpectMsg<APICallResult>(Patience);
        Assert.Equal(("call-1", "from b"), (result.CallId, result.Body));
    }

    [Fact]
    public async Task A_call_redis_cannot_take_is_answered_rejected_with_the_reason()
    {
        await using var server = await RedisServer.StartAsync();
        await using var submitter = new ClusterWorkQueue(TestCluster.Options(server.Options, TestCluster.NewPrefix(), "a"));
        await submitter.StartAsync();
        await server.StopAsync();
        var actor = Sys.ActorOf(ClusterSubmitActor.Props(submitter));

        actor.Tell(new APICalling("call-2", "chat", "{}"), TestActor);

        var result = ExpectMsg<APICallResult>(Patience);
        Assert.Equal((CallStatus.Rejected, ErrorKind.Connection), (result.Status, result.Error));
        Assert.Contains(server.Endpoint, result.ErrorMessage);
    }

    [Fact]
    public void Other_messages_go_to_the_local_pipeline()
    {
        var local = CreateTestProbe();
        var actor = Sys.ActorOf(ClusterSubmitActor.Props(new ClusterWorkQueue(TestCluster.Options(redis.Server.Options, TestCluster.NewPrefix(), "a")), local.Ref));

        actor.Tell("status?", TestActor);

        Assert.Equal("status?", local.ExpectMsg<string>());
        Assert.Equal(TestActor, local.LastSender);
    }
}
