using Dispatch.Cluster;
using Dispatch.Cluster.Redis;
using Dispatch.Core.Options;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Tests.Support;

namespace Dispatch.Hosting.Tests.Configuration;

public sealed class ClusterMappingTests
{
    private static DispatchSettings Load(string text, IReadOnlyDictionary<string, string?>? environment = null) =>
        new DispatchConfigLoader { EnvironmentVariables = () => environment ?? new Dictionary<string, string?>() }
            .AddText(text, "app.conf")
            .Load();

    private static string Error(string text) => Assert.Single(Assert.Throws<DispatchOptionsException>(() => Load(text)).Errors);

    [Fact]
    public void Reference_conf_cluster_defaults_equal_the_defaults_of_ClusterOptions_and_RedisOptions()
    {
        var cluster = new DispatchConfigLoader { EnvironmentVariables = () => [] }.Load().Cluster;

        Assert.Equal(new ClusterOptions(), cluster.Options);
        Assert.Equal(new RedisOptions(), cluster.Options.Redis);
        Assert.Null(cluster.RedisPasswordEnv);
        Assert.False(cluster.Enabled);
    }

    [Fact]
    public void Every_cluster_setting_maps_from_its_hocon_key()
    {
        var cluster = Load("""
            dispatch.cluster {
              enabled = true, node-name = node-7, key-prefix = team-a, lease-size = 3, lease-duration = 150ms
              guard-against-redis-restart = false, pause-check-interval = 100ms, claim-idle-timeout = 20s
              heartbeat = 2s, node-ttl = 9s, result-ttl = 10m, when-redis-down = wait, read-block = 500ms, max-in-flight = 7
              redis { endpoint = "10.0.0.5:6380", database = 2, connect-timeout = 1s, command-timeout = 3s, user = app, password-env = REDIS_PW }
            }
            """).Cluster;

        var o = cluster.Options;
        Assert.Equal((true, "node-7", "team-a", 3, TimeSpan.FromMilliseconds(150)), (o.Enabled, o.NodeName, o.KeyPrefix, o.LeaseSize, o.LeaseDuration));
        Assert.Equal((false, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(20)), (o.GuardAgainstRedisRestart, o.PauseCheckInterval, o.ClaimIdleTimeout));
        Assert.Equal((TimeSpan.FromSeconds(2), (TimeSpan?)TimeSpan.FromSeconds(9), TimeSpan.FromMinutes(10)), (o.Heartbeat, o.NodeTtl, o.ResultTtl));
        Assert.Equal((WhenRedisDown.Wait, TimeSpan.FromMilliseconds(500), 7), (o.WhenRedisDown, o.ReadBlock, o.MaxInFlight));
        Assert.Equal(("10.0.0.5:6380", 2, TimeSpan.FromSeconds(1), (TimeSpan?)TimeSpan.FromSeconds(3), "app"),
            (o.Redis.Endpoint, o.Redis.Database, o.Redis.ConnectTimeout, o.Redis.CommandTimeout, o.Redis.User));
        Assert.Equal("REDIS_PW", cluster.RedisPasswordEnv);
        Assert.Null(o.Redis.Password);
    }

    [Fact]
    public void Redis_written_as_a_plain_host_and_port_string_sets_the_endpoint_and_keeps_the_other_redis_defaults()
    {
        var redis = Load("""dispatch.cluster { enabled = true, redis = "redis.internal:7000" }""").Cluster.Options.Redis;

        Assert.Equal(new RedisOptions { Endpoint = "redis.internal:7000" }, redis);
    }

    [Fact]
    public void Redis_given_as_a_string_by_an_environment_variable_replaces_the_file_s_redis_object()
    {
        var redis = Load(
            """dispatch.cluster.redis { endpoint = "127.0.0.1:1", database = 3 }""",
            new Dictionary<string, string?> { ["DISPATCH__CLUSTER__REDIS"] = "10.1.1.1:6390" }).Cluster.Options.Redis;

        Assert.Equal(("10.1.1.1:6390", 0), (redis.Endpoint, redis.Database));
    }

    [Fact]
    public void Cluster_mode_and_the_node_name_can_be_set_from_the_environment()
    {
        var options = Load("", new Dictionary<string, string?>
        {
            ["DISPATCH__CLUSTER__ENABLED"] = "true",
            ["DISPATCH__CLUSTER__NODE_NAME"] = "node-from-env",
            ["DISPATCH__CLUSTER__REDIS__ENDPOINT"] = "10.2.2.2:6379",
        }).Cluster.Options;

        Assert.Equal((true, "node-from-env", "10.2.2.2:6379"), (options.Enabled, options.NodeName, options.Redis.Endpoint));
    }

    [Fact]
    public void Null_node_ttl_means_three_heartbeats_and_an_empty_node_name_means_host_and_process()
    {
        var options = Load("dispatch.cluster { heartbeat = 1s, node-ttl = null, node-name = \"\" }").Cluster.Options;

        Assert.Null(options.NodeTtl);
        Assert.Equal(TimeSpan.FromSeconds(3), options.EffectiveNodeTtl);
        Assert.Equal($"{Environment.MachineName}-{Environment.ProcessId}", options.NodeName);
    }

    [Fact]
    public void An_invalid_cluster_value_is_named_with_the_file_line_and_column_of_the_value()
    {
        var error = Error("""
            dispatch.cluster {
              lease-size = 0
            }
            """);

        Assert.StartsWith("dispatch.cluster.lease-size must be at least 1, not 0", error);
        Assert.EndsWith("(at app.conf:2:16)", error);
    }

    [Fact]
    public void A_wrongly_typed_cluster_value_is_named_with_the_file_line_and_column_of_the_value()
    {
        var error = Error("""
            dispatch.cluster {
              enabled = true
              heartbeat = often
            }
            """);

        Assert.StartsWith("dispatch.cluster.heartbeat:", error);
        Assert.Contains("duration", error);
        Assert.EndsWith("(at app.conf:3:15)", error);
    }

    [Fact]
    public void An_unknown_when_redis_down_value_lists_the_allowed_ones_and_where_it_is()
    {
        var error = Error("dispatch.cluster.when-redis-down = retry");

        Assert.StartsWith("dispatch.cluster.when-redis-down must be one of fail, wait (was 'retry')", error);
        Assert.Contains("app.conf:1:36", error);
    }

    [Fact]
    public void A_bad_port_in_the_redis_string_is_named_at_the_string()
    {
        var error = Error("""
            dispatch.cluster {
              redis = "localhost:99999"
            }
            """);

        Assert.StartsWith("dispatch.cluster.redis.endpoint 'localhost:99999' has an invalid port", error);
        Assert.EndsWith("(at app.conf:2:11)", error);
    }

    [Fact]
    public void A_bad_value_inside_the_redis_object_is_named_at_that_value()
    {
        var error = Error("""
            dispatch.cluster.redis {
              endpoint = "127.0.0.1:6379"
              database = -1
            }
            """);

        Assert.StartsWith("dispatch.cluster.redis.database must be 0 or more, not -1", error);
        Assert.EndsWith("(at app.conf:3:14)", error);
    }

    [Fact]
    public void Redis_written_as_a_number_is_refused_naming_both_accepted_forms()
    {
        var error = Error("dispatch.cluster.redis = 6379");

        Assert.StartsWith("dispatch.cluster.redis must be \"host:port\" or an object", error);
        Assert.Contains("app.conf:1:26", error);
    }

    [Fact]
    public void A_misspelled_cluster_key_is_reported_as_not_a_setting()
    {
        var error = Error("dispatch.cluster { lease-szie = 5 }");

        Assert.StartsWith("dispatch.cluster.lease-szie is not a setting of cluster mode (at app.conf:1:", error);
    }

    [Fact]
    public void Node_ttl_not_longer_than_the_heartbeat_is_refused()
    {
        var error = Error("dispatch.cluster { heartbeat = 2s, node-ttl = 2s }");

        Assert.StartsWith("dispatch.cluster.node-ttl must be longer than the heartbeat", error);
    }

    [Fact]
    public void A_password_variable_that_looks_like_a_password_is_refused()
    {
        var error = Error("dispatch.cluster.redis.password-env = \"hunter2!\"");

        Assert.StartsWith("dispatch.cluster.redis.password-env must be the name of an environment variable", error);
        Assert.DoesNotContain("hunter2", error);
    }

    [Fact]
    public void The_redis_password_is_read_from_its_variable_when_the_node_starts()
    {
        var cluster = Load("dispatch.cluster.redis { user = app, password-env = REDIS_PW }").Cluster;

        var resolved = cluster.Resolve(name => name == "REDIS_PW" ? "s3cret" : null, TimeProvider.System);
        var missing = Assert.Throws<DispatchOptionsException>(() => cluster.Resolve(_ => null, TimeProvider.System));

        Assert.Equal(("app", "s3cret"), (resolved.Redis.User, resolved.Redis.Password));
        Assert.StartsWith("dispatch.cluster.redis.password-env names REDIS_PW, which is not set", Assert.Single(missing.Errors));
    }

    [Fact]
    public void The_cluster_example_maps_to_an_enabled_cluster_with_an_ingress_open_to_other_containers()
    {
        var loader = new DispatchConfigLoader { EnvironmentVariables = () => [] }
            .AddFile(Path.Combine(TestNode.RepositoryRoot(), "hocon", "examples", "cluster.conf"));

        var settings = loader.Load();

        Assert.True(settings.Cluster.Enabled);
        Assert.Equal((5, TimeSpan.FromSeconds(2)), (settings.Cluster.Options.LeaseSize, settings.Cluster.Options.Heartbeat));
        Assert.True(settings.Ingress.AcceptsRemoteCallers);
    }
}
