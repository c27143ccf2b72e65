using System.Globalization;
using Dispatch.Hosting.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dispatch.Cli.Tests.Compose;

/// <summary>
/// docker-compose.yml cannot be run here (no Docker engine), so it is read as YAML and checked against
/// the repository: its files exist, the node's config loads as a node loads it and points at the compose
/// fake upstream, and the ports, health checks and stop grace fit the settings.
/// </summary>
public sealed class ComposeFileTests
{
    private const string ConfigMount = "/etc/dispatch";
    private static readonly string Root = RepoRoot();
    private static readonly YamlMappingNode Services = (YamlMappingNode)LoadCompose()["services"];

    [Fact]
    public void Compose_runs_the_fake_upstream_and_one_standalone_node()
    {
        Assert.Equal(["fake-upstream", "node"], Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        Assert.Equal(["fake-upstream"], ((YamlMappingNode)Service("node")["depends_on"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value));
    }

    [Fact]
    public void The_dispatch_services_are_built_by_the_repository_dockerfile_from_the_dotnet_10_images()
    {
        foreach (var name in (string[])["fake-upstream", "node"])
        {
            var build = (YamlMappingNode)Service(name)["build"];
            Assert.Equal(".", Scalar(build, "context"));
            Assert.Equal("src/Dispatch.Cli/Dockerfile", Scalar(build, "dockerfile"));
            Assert.Equal("dispatch:local", Scalar(Service(name), "image"));
        }

        var dockerfile = File.ReadAllLines(Path.Combine(Root, "src", "Dispatch.Cli", "Dockerfile"));
        Assert.Contains("FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build", dockerfile);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0", dockerfile);
        Assert.Contains(dockerfile, line => line.StartsWith("RUN dotnet publish src/Dispatch.Cli/Dispatch.Cli.csproj ", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(Root, "src", "Dispatch.Cli", "Dispatch.Cli.csproj")));
        var sources = dockerfile.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.StartsWith("COPY --from", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]).ToList();
        Assert.NotEmpty(sources);
        Assert.All(sources, source => Assert.True(File.Exists(Path.Combine(Root, source)) || Directory.Exists(Path.Combine(Root, source)), $"COPY {source}: not in the repository"));
    }

    [Fact]
    public void The_node_loads_a_repository_config_that_a_node_accepts_and_publishes_its_ingress()
    {
        var node = Service("node");
        Assert.Equal(["node", "--config", $"{ConfigMount}/compose-node.conf"], Sequence(node, "command"));
        Assert.Contains($"./hocon/examples:{ConfigMount}:ro", Sequence(node, "volumes"));

        // Loaded and validated as `dispatch node` loads it: a setting the node refuses fails here.
        var settings = NodeSettings();
        Assert.Equal("0.0.0.0", settings.Ingress.Bind);
        Assert.Equal($"127.0.0.1:{settings.Ingress.Port}:{settings.Ingress.Port}", Assert.Single(Sequence(node, "ports")));
        Assert.Contains(settings.Ingress.TokenEnv, ((YamlMappingNode)node["environment"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        Assert.Contains($"http://127.0.0.1:{settings.Ingress.Port}/v1/status", string.Join(' ', Sequence((YamlMappingNode)node["healthcheck"], "test")));
    }

    [Fact]
    public void The_nodes_endpoint_is_the_compose_fake_upstream_with_its_limit()
    {
        var upstream = Sequence(Service("fake-upstream"), "command");
        var endpoint = Assert.Single(NodeSettings().Dispatch.Endpoints.Values);

        Assert.Equal("fake-upstream", upstream[0]);
        Assert.Equal($"http://fake-upstream:{Flag(upstream, "--port")}", endpoint.BaseUrl);
        Assert.Equal(int.Parse(Flag(upstream, "--rpm"), CultureInfo.InvariantCulture), endpoint.RateLimit.Requests);
        Assert.Equal(TimeSpan.FromMinutes(1), endpoint.RateLimit.Interval);
        Assert.Equal("0.0.0.0", Flag(upstream, "--bind"));
        Assert.Equal($"127.0.0.1:{Flag(upstream, "--port")}:{Flag(upstream, "--port")}", Assert.Single(Sequence(Service("fake-upstream"), "ports")));
    }

    [Fact]
    public void Docker_waits_for_the_node_to_drain_before_killing_it()
    {
        var grace = Scalar(Service("node"), "stop_grace_period");
        Assert.EndsWith("s", grace, StringComparison.Ordinal);

        Assert.True(TimeSpan.FromSeconds(int.Parse(grace[..^1], CultureInfo.InvariantCulture)) > NodeSettings().Shutdown.DrainTimeout);
    }

    private static YamlMappingNode LoadCompose()
    {
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        var yaml = new YamlStream();
        yaml.Load(new MergingParser(new Parser(reader))); // resolves the x-dispatch anchor (<<: *dispatch)
        return (YamlMappingNode)Assert.Single(yaml.Documents).RootNode;
    }

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    private static string Scalar(YamlMappingNode map, string key) =>
        ((YamlScalarNode)map[key]).Value ?? throw new InvalidOperationException($"'{key}' has no value");

    private static List<string> Sequence(YamlMappingNode map, string key) =>
        ((YamlSequenceNode)map[key]).Children.Select(c => ((YamlScalarNode)c).Value ?? string.Empty).ToList();

    private static string Flag(List<string> command, string flag) => command[command.IndexOf(flag) + 1];

    /// <summary>The node's settings from the repository file its <c>--config</c> names through the compose volume.</summary>
    private static DispatchSettings NodeSettings()
    {
        var inContainer = Sequence(Service("node"), "command")[2];
        Assert.StartsWith(ConfigMount + "/", inContainer, StringComparison.Ordinal);
        var file = Path.Combine(Root, "hocon", "examples", inContainer[(ConfigMount.Length + 1)..]);
        Assert.True(File.Exists(file), $"the node loads {inContainer}, which is {file} in the repository: not found");
        return new DispatchConfigLoader { EnvironmentVariables = () => [] }.AddFile(file).Load();
    }

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Dispatch.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Dispatch.sln not found above " + AppContext.BaseDirectory);
    }
}
