namespace Dispatch.Cluster.Tests;

public sealed class ClusterOptionsTests
{
    [Fact]
    public void Defaults_are_standalone_with_the_documented_values()
    {
        var options = new ClusterOptions().Validate();

        Assert.False(options.Enabled);
        Assert.Equal("127.0.0.1:6379", options.Redis.Endpoint);
        Assert.Equal(10, options.LeaseSize);
        Assert.Equal(TimeSpan.FromSeconds(60), options.ClaimIdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Heartbeat);
        Assert.Equal(TimeSpan.FromSeconds(15), options.EffectiveNodeTtl);
        Assert.Equal(WhenRedisDown.Fail, options.WhenRedisDown);
        Assert.Equal($"{Environment.MachineName}-{Environment.ProcessId}", options.NodeName);
    }

    [Fact]
    public void An_empty_node_name_means_the_host_name_and_process_id()
    {
        Assert.Equal(new ClusterOptions().NodeName, new ClusterOptions { NodeName = "" }.NodeName);
    }

    [Theory]
    [InlineData("lease-size")]
    [InlineData("claim-idle-timeout")]
    [InlineData("heartbeat")]
    [InlineData("node-ttl")]
    [InlineData("result-ttl")]
    [InlineData("lease-duration")]
    [InlineData("node-name")]
    [InlineData("redis.endpoint")]
    public void Validate_names_the_wrong_key_under_dispatch_cluster(string key)
    {
        var options = key switch
        {
            "lease-size" => new ClusterOptions { LeaseSize = 0 },
            "claim-idle-timeout" => new ClusterOptions { ClaimIdleTimeout = TimeSpan.Zero },
            "heartbeat" => new ClusterOptions { Heartbeat = TimeSpan.FromSeconds(-1) },
            "node-ttl" => new ClusterOptions { NodeTtl = TimeSpan.FromSeconds(1) },
            "result-ttl" => new ClusterOptions { ResultTtl = TimeSpan.Zero },
            "lease-duration" => new ClusterOptions { LeaseDuration = TimeSpan.FromSeconds(2) },
            "node-name" => new ClusterOptions { NodeName = "two words" },
            _ => new ClusterOptions { Redis = new Dispatch.Cluster.Redis.RedisOptions { Endpoint = "host:99999" } },
        };

        var error = Assert.Throws<ArgumentException>(() => options.Validate());

        Assert.StartsWith($"dispatch.cluster.{key} ", error.Message);
    }
}
