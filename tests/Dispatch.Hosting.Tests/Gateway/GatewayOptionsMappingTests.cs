using Dispatch.Core.Options;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Gateway;
using Dispatch.Hosting.Tests.Support;

namespace Dispatch.Hosting.Tests.Gateway;

public sealed class GatewayOptionsMappingTests
{
    private static DispatchSettings Load(string text)
    {
        var loader = new DispatchConfigLoader { EnvironmentVariables = () => new Dictionary<string, string?>() };
        loader.AddText(text, "app.conf");
        return loader.Load();
    }

    [Fact]
    public void Reference_conf_maps_to_a_gateway_with_no_routes_and_no_models()
    {
        var gateway = Load("").Gateway;

        Assert.Empty(gateway.Routes);
        Assert.Empty(gateway.Models);
    }

    [Fact]
    public void Routes_and_models_map_from_quoted_keys_to_endpoint_names()
    {
        var gateway = Load("""
            dispatch.endpoints.chat { base-url = "http://127.0.0.1:1" }
            dispatch.endpoints.embed { base-url = "http://127.0.0.1:1" }
            dispatch.gateway {
              routes { "/v1/chat/completions" = chat, "/v1/embeddings" = embed }
              models { "gpt-4.1" = embed }
            }
            """).Gateway;

        Assert.Equal("chat", gateway.Routes["/v1/chat/completions"]);
        Assert.Equal("embed", gateway.Routes["/v1/embeddings"]);
        Assert.Equal("embed", gateway.Models["gpt-4.1"]);
    }

    [Fact]
    public void The_openai_example_routes_chat_and_embeddings_to_their_endpoints()
    {
        var loader = new DispatchConfigLoader { EnvironmentVariables = () => [] }
            .AddFile(Path.Combine(TestNode.RepositoryRoot(), "hocon", "examples", "openai.conf"));

        var gateway = loader.Load().Gateway;

        Assert.Equal("openai-chat", gateway.Routes["/v1/chat/completions"]);
        Assert.Equal("openai-embeddings", gateway.Routes["/v1/embeddings"]);
    }

    [Fact]
    public void A_model_maps_to_its_endpoint_even_when_the_path_maps_to_another()
    {
        var gateway = new GatewayOptions
        {
            Routes = new Dictionary<string, string> { ["/v1/chat/completions"] = "chat" },
            Models = new Dictionary<string, string> { ["big"] = "other" },
        };

        Assert.Equal("other", gateway.EndpointFor("/v1/chat/completions", "big"));
        Assert.Equal("chat", gateway.EndpointFor("/v1/chat/completions", "small"));
        Assert.Null(gateway.EndpointFor("/v1/embeddings", "small"));
    }

    [Fact]
    public void A_route_or_model_naming_an_unknown_endpoint_is_refused_with_file_line_and_column()
    {
        var error = Assert.Throws<DispatchOptionsException>(() => Load("""
            dispatch.endpoints.chat { base-url = "http://127.0.0.1:1" }
            dispatch.gateway.routes { "/v1/chat/completions" = chatt }
            dispatch.gateway.models { "gpt-4.1" = nope }
            """));

        Assert.Equal(2, error.Errors.Count);
        Assert.Contains(error.Errors, e => e.StartsWith("dispatch.gateway.routes.\"/v1/chat/completions\" names endpoint 'chatt', which is not in dispatch.endpoints (configured: chat) (at app.conf:2:", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.StartsWith("dispatch.gateway.models.\"gpt-4.1\" names endpoint 'nope'", StringComparison.Ordinal) && e.Contains("(at app.conf:3:", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_gateway_setting_or_a_route_without_a_leading_slash_is_refused()
    {
        var error = Assert.Throws<DispatchOptionsException>(() => Load("""
            dispatch.endpoints.chat { base-url = "http://127.0.0.1:1" }
            dispatch.gateway.route { "/v1/x" = chat }
            """));
        Assert.StartsWith("dispatch.gateway.route is not a setting of the gateway (at app.conf:2:", Assert.Single(error.Errors));

        var slash = Assert.Throws<DispatchOptionsException>(() => Load("""
            dispatch.endpoints.chat { base-url = "http://127.0.0.1:1" }
            dispatch.gateway.routes { "v1/x" = chat }
            """));
        Assert.StartsWith("dispatch.gateway.routes.\"v1/x\" must be a request path starting with '/'", Assert.Single(slash.Errors));
    }
}
