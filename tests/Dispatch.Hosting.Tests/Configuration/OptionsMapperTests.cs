using Dispatch.Cluster;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Breaker;
using Dispatch.Core.Configuration;
using Dispatch.Core.Options;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Retry;
using Dispatch.Hocon;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Tests.Support;

namespace Dispatch.Hosting.Tests.Configuration;

public sealed class OptionsMapperTests
{
    private static DispatchConfigLoader Loader(string? text = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var loader = new DispatchConfigLoader { EnvironmentVariables = () => environment ?? new Dictionary<string, string?>() };
        if (text is not null) loader.AddText(text, "app.conf");
        return loader;
    }

    [Fact]
    public void Reference_conf_alone_maps_to_the_defaults_of_the_options_records()
    {
        var settings = Loader().Load();

        Assert.Empty(settings.Dispatch.Endpoints);
        Assert.Equal(new LoggingOptions(), settings.Logging);
        Assert.Equal(new IngressOptions(), settings.Ingress);
        Assert.Equal(new ShutdownOptions(), settings.Shutdown);
    }

    [Fact]
    public void An_endpoint_inherits_endpoint_defaults_for_every_setting_it_does_not_write()
    {
        var settings = Loader("""dispatch.endpoints.api { base-url = "http://127.0.0.1:1", retry.max-attempts = 2 }""").Load();

        var endpoint = settings.Dispatch.Endpoints["api"];
        var defaults = new EndpointOptions("api", "http://127.0.0.1:1");
        Assert.Equal(2, endpoint.Retry.MaxAttempts);
        Assert.Equal(defaults.Retry.BaseDelay, endpoint.Retry.BaseDelay);
        Assert.Equal(defaults.RateLimit, endpoint.RateLimit);
        Assert.Equal(defaults.Breaker, endpoint.Breaker);
        Assert.Equal(defaults.AttemptTimeout, endpoint.AttemptTimeout);
        Assert.Equal(defaults.MaxResponseBytes, endpoint.MaxResponseBytes);
    }

    [Fact]
    public void Every_endpoint_setting_maps_from_its_hocon_key()
    {
        var settings = Loader("""
            dispatch.endpoints.api {
              base-url = "https://example.com", path = /v1/x, method = PUT, headers { X-Team = blue }
              api-key-env = MY_KEY, auth-header = x-api-key, auth-scheme = "", attempt-timeout = 3s
              max-response-bytes = 1KiB, max-connections = 3, pooled-connection-lifetime = 1m
              rate-limit { requests = 7, tokens = null, interval = 200ms, guard = 10ms, pacing = burst, burst = 3 }
              rate-limit { learn-from-headers = off, learn-from-429s = off, headers.remaining-requests = "ratelimit-remaining, x-left" }
              queue.capacity = 9, executor.concurrency = 4
              retry { max-attempts = 3, base-delay = 5ms, max-delay = 1s, jitter = none }
              breaker { max-failures = 2, reset-timeout = 2s, max-reset-timeout = 4s, when-open = hold }
              cache { max-entries = 0, default-ttl = 1s }
              token-estimation { chars-per-token = 3.5, default-max-tokens = 10 }
            }
            """).Load();

        var e = settings.Dispatch.Endpoints["api"];
        Assert.Equal(("https://example.com", "/v1/x", "PUT", "blue"), (e.BaseUrl, e.Path, e.Method, e.Headers["X-Team"]));
        Assert.Equal(("MY_KEY", "x-api-key", ""), (e.ApiKeyEnv, e.AuthHeader, e.AuthScheme));
        Assert.Equal((TimeSpan.FromSeconds(3), 1024L, 3, TimeSpan.FromMinutes(1)), (e.AttemptTimeout, e.MaxResponseBytes, e.MaxConnections, e.PooledConnectionLifetime));
        Assert.Equal((7, (long?)null, TimeSpan.FromMilliseconds(200), (TimeSpan?)TimeSpan.FromMilliseconds(10)), (e.RateLimit.Requests, e.RateLimit.Tokens, e.RateLimit.Interval, e.RateLimit.Guard));
        Assert.Equal((RateLimitPacing.Burst, (int?)3, false, false), (e.RateLimit.Pacing, e.RateLimit.Burst, e.RateLimit.LearnFromHeaders, e.RateLimit.LearnFrom429s));
        Assert.Equal(["ratelimit-remaining", "x-left"], e.RateLimit.Headers.RemainingRequests);
        Assert.Equal(RateLimitHeaderNames.Default.ResetRequests, e.RateLimit.Headers.ResetRequests);
        Assert.Equal((9, 4), (e.Queue.Capacity, e.Executor.Concurrency));
        Assert.Equal((3, TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1), RetryJitter.None), (e.Retry.MaxAttempts, e.Retry.BaseDelay, e.Retry.MaxDelay, e.Retry.Jitter));
        Assert.Equal((2, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), WhenOpen.Hold), (e.Breaker.MaxFailures, e.Breaker.ResetTimeout, e.Breaker.MaxResetTimeout, e.Breaker.WhenOpen));
        Assert.Equal((0, TimeSpan.FromSeconds(1)), (e.Cache.MaxEntries, e.Cache.DefaultTtl));
        Assert.Equal((3.5, 10), (e.TokenEstimation.CharsPerToken, e.TokenEstimation.DefaultMaxTokens));
    }

    [Fact]
    public void A_wrongly_typed_setting_is_named_by_its_full_path_with_file_and_line()
    {
        var error = Assert.Throws<DispatchOptionsException>(() => Loader("""
            dispatch.endpoints.api {
              base-url = "http://127.0.0.1:1"
              rate-limit.requests = lots
            }
            """).Load());

        var message = Assert.Single(error.Errors);
        Assert.Contains("dispatch.endpoints.api.rate-limit.requests", message);
        Assert.Contains("app.conf:3", message);
    }

    [Fact]
    public void An_invalid_value_is_named_by_its_full_path_and_where_it_was_written()
    {
        var error = Assert.Throws<DispatchOptionsException>(() => Loader("""
            dispatch.endpoints.api {
              base-url = "http://127.0.0.1:1"
              executor.concurrency = 0
            }
            """).Load());

        var message = Assert.Single(error.Errors);
        Assert.StartsWith("dispatch.endpoints.api.executor.concurrency must be > 0", message);
        Assert.Contains("app.conf:3", message);
    }

    [Fact]
    public void An_unknown_setting_under_an_endpoint_is_reported_as_not_a_setting()
    {
        var error = Assert.Throws<DispatchOptionsException>(() => Loader("""
            dispatch.endpoints.api { base-url = "http://127.0.0.1:1", rate-limit.request = 5 }
            """).Load());

        Assert.Contains(error.Errors, e => e.StartsWith("dispatch.endpoints.api.rate-limit.request is not a setting", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_dispatch_cluster_quota_setting_maps_from_its_hocon_key()
    {
        var settings = Loader("""
            dispatch.cluster.quota {
              role = quota-nodes, lease-span = 50ms, min-lease-requests = 2, max-lease-requests = 40, request-timeout = 750ms
            }
            """).Load();

        Assert.Equal(
            new ClusterQuotaOptions { Role = "quota-nodes", LeaseSpan = TimeSpan.FromMilliseconds(50), MinLeaseRequests = 2, MaxLeaseRequests = 40, RequestTimeout = TimeSpan.FromMilliseconds(750) },
            settings.ClusterQuota);
    }

    [Fact]
    public void Reference_conf_alone_maps_dispatch_cluster_to_the_defaults_of_cluster_quota_options()
    {
        Assert.Equal(new ClusterQuotaOptions(), Loader().Load().ClusterQuota);
        Assert.False(Loader().Load().IsCluster);
    }

    [Fact]
    public void A_cluster_provider_in_the_akka_section_makes_the_node_a_cluster_node()
    {
        Assert.True(Loader("akka.actor.provider = cluster").Load().IsCluster);
        Assert.True(Loader("akka.actor.provider = \"Akka.Cluster.ClusterActorRefProvider, Akka.Cluster\"").Load().IsCluster);
        Assert.False(Loader("akka.actor.provider = remote").Load().IsCluster);
    }

    [Fact]
    public void An_unknown_setting_under_dispatch_cluster_is_refused_naming_it_and_where_it_was_written()
    {
        var error = Assert.Throws<DispatchOptionsException>(() => Loader("""
            dispatch.endpoints.api { base-url = "http://127.0.0.1:1" }
            dispatch.cluster.enabled = true
            dispatch.cluster.quota.min-lease = 3
            """).Load());

        Assert.Equal(2, error.Errors.Count);
        Assert.Contains(error.Errors, e => e.StartsWith("dispatch.cluster.enabled is not a setting of cluster mode (at app.conf:2:", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("dispatch.cluster.quota.min-lease is not a setting of cluster mode (at app.conf:3:", StringComparison.Ordinal));
        Assert.All(error.Errors, e => Assert.EndsWith("see dispatch.cluster in reference.conf", e));
    }

    [Fact]
    public void A_wrongly_typed_or_invalid_dispatch_cluster_setting_is_named_with_file_line_and_column()
    {
        var typed = Assert.Throws<DispatchOptionsException>(() => Loader("""
            dispatch.cluster.quota {
              request-timeout = soon
            }
            """).Load());
        var message = Assert.Single(typed.Errors);
        Assert.StartsWith("dispatch.cluster.quota.request-timeout", message);
        Assert.Contains("app.conf:2:", message);

        var invalid = Assert.Throws<DispatchOptionsException>(() => Loader("""
            dispatch.cluster.quota {
              min-lease-requests = 0
            }
            """).Load());
        message = Assert.Single(invalid.Errors);
        Assert.StartsWith("dispatch.cluster.quota.min-lease-requests must be between 1 and", message);
        Assert.Contains("app.conf:2:", message);
    }

    [Fact]
    public void Every_dispatch_cluster_proxy_setting_maps_from_its_hocon_key_and_reference_conf_alone_gives_the_defaults()
    {
        var settings = Loader("""
            dispatch.cluster.proxy {
              max-waiting-calls = 250, idempotency-key-header = null, identify-interval = 300ms, status-timeout = 2s
            }
            """).Load();

        Assert.Equal(
            new DispatchProxyOptions { MaxWaitingCalls = 250, IdempotencyKeyHeader = null, IdentifyInterval = TimeSpan.FromMilliseconds(300), StatusTimeout = TimeSpan.FromSeconds(2) },
            settings.ClusterProxy);
        Assert.Equal(new DispatchProxyOptions(), Loader().Load().ClusterProxy);
    }

    [Fact]
    public void An_invalid_dispatch_cluster_proxy_setting_is_named_with_file_line_and_column()
    {
        var error = Assert.Throws<DispatchOptionsException>(() => Loader("""
            dispatch.cluster.proxy {
              max-waiting-calls = -1
              identify-interval = 0s
            }
            """).Load());

        Assert.Equal(2, error.Errors.Count);
        Assert.Contains(error.Errors, e => e.StartsWith("dispatch.cluster.proxy.max-waiting-calls must be >= 0 (was -1) (at app.conf:2:", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("dispatch.cluster.proxy.identify-interval must be > 0", StringComparison.Ordinal) && e.Contains("app.conf:3:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_dispatch_cluster_setting_from_the_environment_maps_and_an_unknown_one_is_named_by_its_variable()
    {
        var settings = Loader(environment: new Dictionary<string, string?> { ["DISPATCH__CLUSTER__QUOTA__MIN_LEASE_REQUESTS"] = "8" }).Load();
        Assert.Equal(8, settings.ClusterQuota.MinLeaseRequests);

        var error = Assert.Throws<DispatchOptionsException>(() => Loader(environment: new Dictionary<string, string?> { ["DISPATCH__CLUSTER__ENABLED"] = "true" }).Load());
        var message = Assert.Single(error.Errors);
        Assert.StartsWith("dispatch.cluster.enabled is not a setting of cluster mode", message);
        Assert.Contains("environment variable DISPATCH__CLUSTER__ENABLED", message);
    }

    [Fact]
    public void Malformed_hocon_is_reported_with_its_file_and_line()
    {
        var error = Assert.Throws<HoconParseException>(() => Loader("dispatch {\n  logging.level = \n  ingress { port = 1 \n").Load());

        Assert.Equal("app.conf", error.File);
        Assert.True(error.Line >= 2);
    }

    [Fact]
    public void An_environment_variable_overrides_the_file_and_matches_keys_ignoring_case_and_dashes()
    {
        var settings = Loader(
            """dispatch.endpoints.open-ai { base-url = "http://127.0.0.1:1", rate-limit.requests = 5 }""",
            new Dictionary<string, string?>
            {
                ["DISPATCH__ENDPOINTS__OPEN_AI__RATE_LIMIT__REQUESTS"] = "50",
                ["DISPATCH__SHUTDOWN__DRAIN_TIMEOUT"] = "3s",
                ["UNRELATED"] = "x",
            }).Load();

        Assert.Equal(50, settings.Dispatch.Endpoints["open-ai"].RateLimit.Requests);
        Assert.Equal(TimeSpan.FromSeconds(3), settings.Shutdown.DrainTimeout);
    }

    [Fact]
    public void An_explicit_override_wins_over_environment_variables_and_files()
    {
        var loader = Loader("dispatch.shutdown.drain-timeout = 1s", new Dictionary<string, string?> { ["DISPATCH__SHUTDOWN__DRAIN_TIMEOUT"] = "2s" })
            .Override("dispatch.shutdown.drain-timeout", "3s", "--drain");

        Assert.Equal(TimeSpan.FromSeconds(3), loader.Load().Shutdown.DrainTimeout);
    }

    [Fact]
    public void A_bad_override_is_named_by_where_it_came_from()
    {
        var loader = Loader().Override("dispatch.shutdown.drain-timeout", "soon", "--drain-timeout");

        var error = Assert.Throws<DispatchOptionsException>(() => loader.Load());

        Assert.Contains(error.Errors, e => e.Contains("dispatch.shutdown.drain-timeout", StringComparison.Ordinal) && e.Contains("--drain-timeout", StringComparison.Ordinal));
    }

    [Fact]
    public void An_ingress_bind_that_is_not_an_ip_address_is_refused_where_it_is_written()
    {
        var error = Assert.Throws<DispatchOptionsException>(() => Loader("dispatch.ingress.bind = \"localhost\"").Load());

        var message = Assert.Single(error.Errors);
        Assert.StartsWith("dispatch.ingress.bind must be an IP address", message);
        Assert.Contains("app.conf:1:", message);
    }

    [Fact]
    public void A_non_loopback_ingress_bind_is_accepted_and_opens_the_ingress_to_other_machines()
    {
        var ingress = Loader("dispatch.ingress.bind = \"0.0.0.0\"").Load().Ingress;

        Assert.True(ingress.AcceptsRemoteCallers);
        Assert.False(new IngressOptions().AcceptsRemoteCallers);
    }

    [Fact]
    public void The_openai_example_maps_with_its_endpoints_inheriting_from_each_other()
    {
        var loader = new DispatchConfigLoader { EnvironmentVariables = () => [] }
            .AddFile(Path.Combine(TestNode.RepositoryRoot(), "hocon", "examples", "openai.conf"));

        var endpoints = loader.Load().Dispatch.Endpoints;

        Assert.Equal(500, endpoints["openai-chat"].RateLimit.Requests);
        Assert.Equal(3000, endpoints["openai-embeddings"].RateLimit.Requests);
        Assert.Equal("/v1/embeddings", endpoints["openai-embeddings"].Path);
        Assert.Equal(32, endpoints["openai-embeddings"].Executor.Concurrency);
    }

    [Fact]
    public void The_akka_section_is_kept_with_its_origins_for_the_actor_system()
    {
        var settings = Loader("""
            akka.loglevel = DEBUG
            akka.actor.ask-timeout = 7s
            """).Load();

        Assert.Equal("DEBUG", settings.Akka.GetString("loglevel"));
        Assert.Equal(TimeSpan.FromSeconds(7), settings.Akka.GetDuration("actor.ask-timeout"));
        Assert.Equal("app.conf", settings.Akka.GetValue("loglevel").Origin.Source);
    }

    [Fact]
    public void Without_an_akka_section_the_actor_system_gets_nothing_from_dispatch_config()
    {
        Assert.True(Loader("dispatch.shutdown.drain-timeout = 1s").Load().Akka.IsEmpty);
    }

    [Fact]
    public void The_embedded_reference_conf_is_the_file_in_the_repository()
    {
        Assert.Equal(File.ReadAllText(Path.Combine(TestNode.RepositoryRoot(), "hocon", "reference.conf")), ReferenceConfig.Text);
    }
}
