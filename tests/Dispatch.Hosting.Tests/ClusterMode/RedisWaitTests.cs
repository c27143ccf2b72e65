using Dispatch.Cluster.Tests;
using Dispatch.FakeUpstream;
using Dispatch.Hosting.Lifecycle;
using Dispatch.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Hosting.Tests.ClusterMode;

/// <summary>A node with <c>when-redis-down = wait</c> and a redis-server of its own that the test stops and starts again.</summary>
public sealed class RedisWaitTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private RedisServer _redis = null!;
    private FakeUpstreamServer _upstream = null!;
    private ClusterTestNode _node = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        _node = await ClusterTestNode.StartAsync("waiting", ClusterTestNode.Config(_upstream.BaseUrl, "waiting-node", "redis-wait", _redis.Endpoint, "when-redis-down = wait"));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _upstream.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_call_posted_while_redis_is_down_waits_for_it_and_completes_once_it_is_back()
    {
        var cluster = _node.App.Services.GetRequiredService<DispatchHostedService>().Cluster!;
        await _redis.StopAsync();

        var post = _node.PostCallAsync($$"""{"id":"waits-1","body":{{TestNode.ChatPayload()}}}""");
        await TestNode.Eventually(() => cluster.Work.Waiting == 1 || post.IsCompleted, Timeout, "the call waits for Redis");
        var completedWhileDown = post.IsCompleted;
        await _redis.StartAgainAsync();
        var (status, result) = await post.WaitAsync(Timeout);

        Assert.False(completedWhileDown, "the call must not be answered while Redis is down");
        Assert.Equal(200, status);
        Assert.True(result.GetProperty("status").GetString() == "Completed", result.ToString());
        Assert.Equal("waits-1", result.GetProperty("callId").GetString());
    }
}
