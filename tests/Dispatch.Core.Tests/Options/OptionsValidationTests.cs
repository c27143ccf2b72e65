using Dispatch.Core.Breaker;
using Dispatch.Core.Options;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Retry;

namespace Dispatch.Core.Tests.Options;

public class OptionsValidationTests
{
    private static EndpointOptions Endpoint(string name = "openai-chat") => new(name, "https://api.example.com");

    [Fact]
    public void Defaults_are_valid()
    {
        var options = new DispatchOptions { Endpoints = new Dictionary<string, EndpointOptions> { ["openai-chat"] = Endpoint() } };

        Assert.Empty(options.GetErrors());
    }

    [Fact]
    public void A_bad_nested_setting_is_named_by_its_full_config_path()
    {
        var endpoint = Endpoint() with { RateLimit = new RateLimitOptions { Requests = -1 } };

        var error = Assert.Throws<DispatchOptionsException>(endpoint.Validate);

        Assert.Equal(["dispatch.endpoints.openai-chat.rate-limit.requests must be > 0 (was -1)"], error.Errors);
    }

    [Fact]
    public void Every_bad_setting_is_reported_not_just_the_first()
    {
        var endpoint = Endpoint() with
        {
            BaseUrl = "not a url",
            AttemptTimeout = TimeSpan.Zero,
            Retry = new RetryOptions { MaxAttempts = 0 },
        };

        var errors = endpoint.GetErrors();

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("dispatch.endpoints.openai-chat.base-url "));
        Assert.Contains(errors, e => e.StartsWith("dispatch.endpoints.openai-chat.attempt-timeout "));
        Assert.Contains(errors, e => e.StartsWith("dispatch.endpoints.openai-chat.retry.max-attempts "));
    }

    [Fact]
    public void A_reset_timeout_cap_below_the_reset_timeout_is_refused()
    {
        var breaker = new BreakerOptions { ResetTimeout = TimeSpan.FromMinutes(1), MaxResetTimeout = TimeSpan.FromSeconds(10) };

        var errors = breaker.GetErrors("dispatch.endpoints.x.breaker");

        Assert.Single(errors);
        Assert.StartsWith("dispatch.endpoints.x.breaker.max-reset-timeout must be >=", errors[0]);
    }

    [Fact]
    public void A_credential_in_the_headers_is_refused_without_echoing_it()
    {
        var endpoint = Endpoint() with { Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer sk-secret" } };

        var errors = endpoint.GetErrors();

        Assert.Single(errors);
        Assert.StartsWith("dispatch.endpoints.openai-chat.headers.Authorization must not hold a credential", errors[0]);
        Assert.DoesNotContain("sk-secret", errors[0]);
    }

    [Fact]
    public void An_api_key_in_place_of_an_environment_variable_name_is_refused_without_echoing_it()
    {
        var endpoint = Endpoint() with { ApiKeyEnv = "sk-live-123" };

        var errors = endpoint.GetErrors();

        Assert.Single(errors);
        Assert.StartsWith("dispatch.endpoints.openai-chat.api-key-env ", errors[0]);
        Assert.DoesNotContain("sk-live-123", errors[0]);
    }

    [Fact]
    public void An_endpoint_registered_under_another_name_is_refused()
    {
        var options = new DispatchOptions { Endpoints = new Dictionary<string, EndpointOptions> { ["chat"] = Endpoint("openai-chat") } };

        var errors = options.GetErrors();

        Assert.Equal(["dispatch.endpoints.chat must be named after its key (was named 'openai-chat')"], errors);
    }

    [Fact]
    public void The_exception_message_lists_every_error()
    {
        var options = new DispatchOptions
        {
            Endpoints = new Dictionary<string, EndpointOptions>
            {
                ["a"] = Endpoint("a") with { MaxConnections = 0 },
                ["b"] = Endpoint("b") with { MaxResponseBytes = -5 },
            },
        };

        var error = Assert.Throws<DispatchOptionsException>(options.Validate);

        Assert.Contains("dispatch.endpoints.a.max-connections must be > 0 (was 0)", error.Message);
        Assert.Contains("dispatch.endpoints.b.max-response-bytes must be > 0 (was -5)", error.Message);
    }

    [Fact]
    public void A_section_validated_on_its_own_is_named_by_its_key()
    {
        var error = Assert.Throws<DispatchOptionsException>(() => new RateLimitOptions { Interval = TimeSpan.Zero }.Validate());

        Assert.StartsWith("rate-limit.interval must be a duration > 0", error.Errors[0]);
    }

    [Fact]
    public void The_request_url_joins_base_url_and_path_with_one_slash()
    {
        var endpoint = Endpoint() with { BaseUrl = "https://api.example.com/", Path = "/v1/chat/completions" };

        Assert.Equal("https://api.example.com/v1/chat/completions", endpoint.UrlFor());
        Assert.Equal("https://api.example.com/v2/other", endpoint.UrlFor("v2/other"));
    }
}
