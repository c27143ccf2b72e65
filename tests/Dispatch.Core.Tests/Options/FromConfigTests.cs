using Akka.Configuration;
using Dispatch.Core.Options;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Retry;
using Dispatch.Hocon;

namespace Dispatch.Core.Tests.Options;

public class FromConfigTests
{
    [Fact]
    public void An_Akka_config_s_dispatch_section_maps_over_reference_conf()
    {
        var config = ConfigurationFactory.ParseString("""
            akka.loglevel = INFO
            dispatch.endpoints {
              chat {
                base-url = "http://127.0.0.1:9/v1"
                path = /chat/completions
                headers { "X-Team.Name" = "a\"b" }
                rate-limit { requests = 500, tokens = 200000, interval = 1m }
                retry.jitter = none
              }
            }
            """);

        var options = DispatchOptions.FromConfig(config);

        var chat = Assert.Single(options.Endpoints).Value;
        Assert.Equal(("chat", "http://127.0.0.1:9/v1", "/chat/completions"), (chat.Name, chat.BaseUrl, chat.Path));
        Assert.Equal("a\"b", chat.Headers["X-Team.Name"]);
        Assert.Equal((500, 200_000L, TimeSpan.FromMinutes(1)), (chat.RateLimit.Requests, chat.RateLimit.Tokens, chat.RateLimit.Interval));
        Assert.Equal(RetryJitter.None, chat.Retry.Jitter);
        // Not written: reference.conf's endpoint defaults.
        Assert.Equal(new EndpointOptions("x", "").Queue.Capacity, chat.Queue.Capacity);
        Assert.Equal(TimeSpan.FromSeconds(60), chat.AttemptTimeout);
    }

    [Fact]
    public void An_Akka_config_without_a_dispatch_section_has_no_endpoints()
    {
        var options = DispatchOptions.FromConfig(ConfigurationFactory.ParseString("akka.loglevel = INFO"));

        Assert.Empty(options.Endpoints);
    }

    [Fact]
    public void A_null_limit_in_an_Akka_config_means_unlimited()
    {
        var config = ConfigurationFactory.ParseString("""
            dispatch.endpoints.e {
              base-url = "http://127.0.0.1:9"
              rate-limit.requests = null
            }
            """);

        Assert.Equal(new RateLimitOptions { Requests = null }.Requests, DispatchOptions.FromConfig(config).Endpoints["e"].RateLimit.Requests);
    }

    [Fact]
    public void A_bad_setting_in_an_Akka_config_is_refused_naming_its_path()
    {
        var config = ConfigurationFactory.ParseString("""
            dispatch.endpoints.e {
              base-url = "http://127.0.0.1:9"
              retry.max-attempts = many
              queue.capacty = 5
            }
            """);

        var error = Assert.Throws<DispatchOptionsException>(() => DispatchOptions.FromConfig(config));

        Assert.Contains("dispatch.endpoints.e.retry.max-attempts", error.Message);
        Assert.Contains("dispatch.endpoints.e.queue.capacty is not a setting of an endpoint", error.Message);
    }

    [Fact]
    public void A_HOCON_file_s_endpoint_inherits_endpoint_defaults_and_an_invalid_value_names_its_line()
    {
        var config = HoconConfig.Parse("""
            dispatch {
              endpoint-defaults.executor.concurrency = 3
              endpoints.e {
                base-url = "http://127.0.0.1:9"
                queue.capacity = 0
              }
            }
            """, "app.conf");

        var error = Assert.Throws<DispatchOptionsException>(() => DispatchOptions.FromConfig(config));

        Assert.Contains("dispatch.endpoints.e.queue.capacity", error.Message);
        Assert.Contains("app.conf:5", error.Message);
        var fixedConfig = HoconConfig.Parse("dispatch.endpoints.e.base-url = \"http://127.0.0.1:9\"\ndispatch.endpoint-defaults.executor.concurrency = 3", "app.conf");
        Assert.Equal(3, DispatchOptions.FromConfig(fixedConfig).Endpoints["e"].Executor.Concurrency);
    }

    [Fact]
    public void Max_request_bytes_and_max_retry_after_map_from_HOCON_and_a_bad_value_names_its_line_and_column()
    {
        var config = HoconConfig.Parse("""
            dispatch.endpoints.e {
              base-url = "http://127.0.0.1:9"
              max-request-bytes = 1MiB
              retry.max-retry-after = 5s
            }
            dispatch.endpoints.bad {
              base-url = "http://127.0.0.1:9"
              max-request-bytes = 0
            }
            """, "app.conf");

        var error = Assert.Throws<DispatchOptionsException>(() => DispatchOptions.FromConfig(config));
        var good = DispatchOptions.FromConfig(HoconConfig.Parse("""
            dispatch.endpoints.e { base-url = "http://127.0.0.1:9", max-request-bytes = 1MiB, retry.max-retry-after = 5s }
            """, "app.conf")).Endpoints["e"];

        Assert.Contains("dispatch.endpoints.bad.max-request-bytes must be > 0", error.Message);
        Assert.Contains("app.conf:8:", error.Message);
        Assert.Equal((1024 * 1024, TimeSpan.FromSeconds(5)), (good.MaxRequestBytes, good.Retry.MaxRetryAfter));
    }
}
