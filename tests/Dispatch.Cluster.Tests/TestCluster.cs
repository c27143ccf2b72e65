using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests;

public static class TestCluster
{
    /// <summary>Options for a node of a test cluster of its own (a unique key prefix), with short timeouts.</summary>
    public static ClusterOptions Options(RedisOptions redis, string prefix, string node) => new()
    {
        Enabled = true,
        Redis = redis,
        KeyPrefix = prefix,
        NodeName = node,
        ReadBlock = TimeSpan.FromMilliseconds(100),
        ClaimIdleTimeout = TimeSpan.FromMilliseconds(400),
        Heartbeat = TimeSpan.FromMilliseconds(100),
        NodeTtl = TimeSpan.FromMilliseconds(400),
        ResultTtl = TimeSpan.FromMinutes(5),
        LeaseDuration = TimeSpan.FromMilliseconds(30),
        PauseCheckInterval = TimeSpan.FromMilliseconds(20),
        GuardAgainstRedisRestart = false,
    };

    public static string NewPrefix() => $"t{Guid.NewGuid():N}";
}
