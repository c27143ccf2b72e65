using Akka.Hosting;
using Dispatch.Core.Options;
using Dispatch.Hosting.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dispatch.Hosting.Tests;

public sealed class DispatchHostingExtensionsTests
{
    [Fact]
    public async Task WithDispatch_refuses_invalid_settings_when_the_actor_system_is_created_naming_the_setting()
    {
        var settings = new DispatchSettings
        {
            Dispatch = new DispatchOptions
            {
                Endpoints = new Dictionary<string, EndpointOptions>
                {
                    ["api"] = new("api", "http://127.0.0.1:1") { Executor = new() { Concurrency = 0 } },
                },
            },
        };
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddAkka("dispatch", (akka, _) => akka.WithDispatch(o => o.Settings = settings));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<DispatchOptionsException>(() => host.StartAsync());

        Assert.StartsWith("dispatch.endpoints.api.executor.concurrency must be > 0", Assert.Single(error.Errors));
    }
}
