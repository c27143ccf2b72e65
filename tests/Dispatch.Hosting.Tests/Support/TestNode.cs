using Dispatch.Core.Dispatching;
using Dispatch.Hosting.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dispatch.Hosting.Tests.Support;

/// <summary>Builds hosts isolated from the machine: no DISPATCH__ variables, environment from a dictionary.</summary>
internal static class TestNode
{
    public static IHost Build(Action<DispatchBuilder> configure, IReadOnlyDictionary<string, string>? environment = null)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddDispatch(d =>
        {
            Isolate(d, environment);
            configure(d);
        });
        return builder.Build();
    }

    public static void Isolate(DispatchBuilder d, IReadOnlyDictionary<string, string>? environment = null)
    {
        d.WithEnvironmentVariables(() => []);
        d.LogToConsole = false;
        d.Dependencies = new DispatchDependencies { GetEnvironmentVariable = name => environment?.GetValueOrDefault(name) };
    }

    public static string Endpoint(string name, string baseUrl, string extra = "") => $$"""
        dispatch.endpoints.{{name}} {
          base-url = "{{baseUrl}}"
          path = /v1/chat/completions
          rate-limit { requests = 1000, interval = 1s }
          retry { base-delay = 10ms, max-delay = 50ms }
          {{extra}}
        }
        """;

    public static string ChatPayload(string text = "hello") =>
        $$"""{"model":"m","messages":[{"role":"user","content":"{{text}}"}],"max_tokens":5}""";

    /// <summary>Polls a condition until it holds or the timeout passes; never a bare sleep.</summary>
    public static async Task Eventually(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for: {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>The repository root (the folder holding hocon/), found from the test's directory.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "hocon"))) directory = directory.Parent;
        return directory?.FullName ?? throw new DirectoryNotFoundException("hocon/ not found above " + AppContext.BaseDirectory);
    }
}
