using System.Net;
using System.Net.Sockets;
using Dispatch.FakeUpstream;
using Dispatch.Hosting.Tests.Support;

namespace Dispatch.Hosting.Tests.ClusterMode;

/// <summary>A cluster node whose Redis cannot be reached (nothing listens on its port).</summary>
public sealed class RedisDownTests : IAsyncLifetime
{
    private FakeUpstreamServer _upstream = null!;
    private ClusterTestNode _node = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        var redis = $"127.0.0.1:{ClosedPort()}";
        _node = await ClusterTestNode.StartAsync("lonely", ClusterTestNode.Config(_upstream.BaseUrl, "lonely-" + Guid.NewGuid().ToString("N")[..8], "redis-down", redis, "when-redis-down = fail"));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task A_call_is_answered_503_with_a_clear_error_naming_redis_when_redis_is_down_and_submissions_fail()
    {
        var (status, body) = await _node.PostCallAsync($$"""{"id":"down-1","body":{{TestNode.ChatPayload()}}}""");

        Assert.Equal(503, status);
        var error = body.GetProperty("error").GetString();
        Assert.Contains("Redis", error);
        Assert.DoesNotContain("   at ", error);
        Assert.Equal("down-1", body.GetProperty("callId").GetString());
    }

    [Fact]
    public async Task The_status_still_answers_with_the_node_s_own_state_and_says_why_the_cluster_part_is_missing()
    {
        var status = await _node.StatusAsync();

        Assert.Equal("chat", status.GetProperty("endpoints")[0].GetProperty("endpoint").GetString());
        Assert.Contains("Redis", status.GetProperty("cluster").GetProperty("error").GetString());
        Assert.Equal(0, status.GetProperty("cluster").GetProperty("nodes").GetArrayLength());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
