using Dispatch.Cluster.Tests;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Latency;
using Dispatch.Hosting.Lifecycle;
using Dispatch.Hosting.Submission;
using Dispatch.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Hosting.Tests.ClusterMode;

/// <summary>A node that stops while a call it submitted is still running, with a slow upstream.</summary>
[Collection(RedisCollection.Name)]
public sealed class LeavingTests(RedisServerFixture redis) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private FakeUpstreamServer _upstream = null!;
    private TwoClusterNodes _nodes = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Latency = new LatencyOptions { Delay = TimeSpan.FromMilliseconds(300) } });
        // A long drain timeout: the test waits for the call, not for a timeout, whatever the machine's speed.
        var drain = "\ndispatch.shutdown.drain-timeout = 60s";
        _nodes = await TwoClusterNodes.StartAsync(_upstream.BaseUrl, redis.Server.Endpoint, drain);
    }

    public async Task DisposeAsync()
    {
        await _nodes.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task A_node_stopped_while_its_caller_waits_still_answers_the_caller_with_the_result()
    {
        var cluster = _nodes.B.App.Services.GetRequiredService<DispatchHostedService>().Cluster!;
        var post = _nodes.B.PostCallAsync($$"""{"id":"leaving-1","body":{{TestNode.ChatPayload()}}}""");
        await TestNode.Eventually(() => cluster.Work.Waiting == 1 || post.IsCompleted, Timeout, "the call is submitted to the cluster");

        var stop = _nodes.B.App.StopAsync();
        var (status, result) = await post;
        await stop;

        Assert.Equal(200, status);
        Assert.Equal(("leaving-1", "Completed"), (result.GetProperty("callId").GetString(), result.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_node_that_has_stopped_answers_a_new_submission_rejected_rather_than_losing_it()
    {
        await _nodes.B.App.StopAsync();

        var result = await _nodes.B.App.Services.GetRequiredService<ICallSubmitter>().SubmitAsync(new APICalling("after-stop-1", "chat", TestNode.ChatPayload()));

        Assert.Equal((CallStatus.Rejected, ErrorKind.Cancelled), (result.Status, result.Error));
        Assert.Contains($"'{_nodes.Prefix}-b'", result.ErrorMessage);
    }
}
