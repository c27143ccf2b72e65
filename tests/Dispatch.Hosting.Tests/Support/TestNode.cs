using Akka.Actor;
using Dispatch.Core.Dispatching;
using Dispatch.Hosting.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dispatch.Hosting.Tests.Support;

/// <summary>Builds hosts isolated from the machine: no DISPATCH__ variables, environment from a dictionary.</summary>
internal static class TestNode
{
    /// <summary>The upper bound of every wait: far above what a step takes, so it only ends a hung test, never judges speed.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

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

    public static ActorSystem System(this IHost host) => host.Services.GetRequiredService<ActorSystem>();

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

    /// <summary>Polls a condition until it holds, failing after <see cref="Patience"/>; waits for a state, never for time to pass.</summary>
    public static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for: {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>The lines of every file in <paramref name="directory"/>, read while a logger may still hold them open.</summary>
    public static List<string> ReadLines(DirectoryInfo directory)
    {
        var lines = new List<string>();
        foreach (var file in directory.GetFiles())
        {
            using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line) lines.Add(line);
        }

        return lines;
    }

    /// <summary>The repository root (the folder holding hocon/), found from the test's directory.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "hocon"))) directory = directory.Parent;
        return directory?.FullName ?? throw new DirectoryNotFoundException("hocon/ not found above " + AppContext.BaseDirectory);
    }
}
