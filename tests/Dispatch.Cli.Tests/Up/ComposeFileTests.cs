using System.Globalization;
using Dispatch.Cli.Up;
using Dispatch.Hocon;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dispatch.Cli.Tests.Up;

/// <summary>
/// docker-compose.yml cannot be run here (no Docker engine), so it is read as YAML and checked against
/// the repository: its files exist, its configs load and point at its services, and it runs the
/// topology <c>dispatch up</c> runs.
/// </summary>
public sealed class ComposeFileTests
{
    private const string ConfigMount = "/etc/dispatch";
    private static readonly string Root = RepoRoot();
    private static readonly YamlMappingNode Services = (YamlMappingNode)LoadCompose()["services"];
    private static readonly string[] NodeNames = ["node1", "node2", "node3"];

    [Fact]
    public void Compose_runs_redis_7_the_fake_upstream_and_as_many_nodes_as_dispatch_up()
    {
        Assert.Equal(["redis", "fake-upstream", .. NodeNames], Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        Assert.Equal("redis:7", Scalar(Service("redis"), "image"));
        Assert.Equal(["redis-server", "--save", "", "--appendonly", "no"], Sequence(Service("redis"), "command"));
        Assert.Equal(UpCommand.DefaultNodes, NodeNames.Length);
    }

    [Fact]
    public void The_dispatch_services_are_built_by_the_repository_dockerfile_from_the_dotnet_10_images()
    {
        foreach (var name in (string[])["fake-upstream", .. NodeNames])
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
    public void Every_node_loads_a_repository_config_that_enables_the_cluster_on_the_compose_redis()
    {
        var redisPort = 6379; // redis:7 listens on its default port; the command does not change it
        var names = new List<string>();
        foreach (var name in NodeNames)
        {
            var node = Service(name);
            Assert.Equal(["node", "--config", $"{ConfigMount}/compose-node.conf"], Sequence(node, "command"));
            Assert.Contains($"./hocon/examples:{ConfigMount}:ro", Sequence(node, "volumes"));
            var config = NodeConfig(name);
            Assert.True(config.GetBoolean("dispatch.cluster.enabled"));
            Assert.Equal($"redis:{redisPort}", config.GetString("dispatch.cluster.redis.endpoint"));
            Assert.Equal("0.0.0.0", config.GetString("dispatch.ingress.bind"));
            Assert.Equal($"127.0.0.1:878{name[^1]}:{config.GetInt("dispatch.ingress.port")}", Assert.Single(Sequence(node, "ports")));
            Assert.Equal(["redis", "fake-upstream"], ((YamlMappingNode)node["depends_on"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value));
            names.Add(Scalar((YamlMappingNode)node["environment"], "DISPATCH_NODE_NAME"));
        }

        Assert.Equal(NodeNames, names);
    }

    [Fact]
    public void The_nodes_endpoint_is_the_compose_fake_upstream_with_its_limit()
    {
        var upstream = Sequence(Service("fake-upstream"), "command");
        var endpoint = NodeConfig("node1").GetConfig($"dispatch.endpoints.{UpCommand.EndpointName}");

        Assert.Equal("fake-upstream", upstream[0]);
        Assert.Equal($"http://fake-upstream:{Flag(upstream, "--port")}", endpoint.GetString("base-url"));
        Assert.Equal(int.Parse(Flag(upstream, "--rpm"), CultureInfo.InvariantCulture), endpoint.GetInt("rate-limit.requests"));
        Assert.Equal(TimeSpan.FromMinutes(1), endpoint.GetDuration("rate-limit.interval"));
        Assert.Equal("0.0.0.0", Flag(upstream, "--bind"));
        Assert.Equal($"127.0.0.1:{Flag(upstream, "--port")}:{Flag(upstream, "--port")}", Assert.Single(Sequence(Service("fake-upstream"), "ports")));
    }

    [Fact]
    public void Compose_and_dispatch_up_run_the_same_upstream_and_cluster_settings()
    {
        var upstream = Sequence(Service("fake-upstream"), "command");
        var compose = NodeConfig("node1");
        var up = WithReference(HoconConfig.Parse(UpCommand.NodeConfig("node1", "127.0.0.1:6379", "http://127.0.0.1:8790", UpCommand.DefaultRpm, 8781, "/tmp/node1.log"), "dispatch up"));

        Assert.Equal(UpCommand.DefaultRpm.ToString(CultureInfo.InvariantCulture), Flag(upstream, "--rpm"));
        Assert.Equal(UpCommand.UpstreamLatency, Flag(upstream, "--latency"));
        Assert.Equal(Keys(compose, "dispatch.endpoints"), Keys(up, "dispatch.endpoints"));
        foreach (var key in new[] { "path", "rate-limit.requests", "rate-limit.interval" })
        {
            var path = $"dispatch.endpoints.{UpCommand.EndpointName}.{key}";
            Assert.Equal(Value(compose, path), Value(up, path));
        }

        foreach (var key in new[] { "enabled", "lease-size", "claim-idle-timeout", "heartbeat", "key-prefix", "lease-duration" })
            Assert.Equal(Value(compose, $"dispatch.cluster.{key}"), Value(up, $"dispatch.cluster.{key}"));

        // The one intended difference: see the comments in both configs.
        Assert.True(compose.GetBoolean("dispatch.cluster.guard-against-redis-restart"));
        Assert.False(up.GetBoolean("dispatch.cluster.guard-against-redis-restart"));
    }

    private static YamlMappingNode LoadCompose()
    {
        using var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml"));
        var yaml = new YamlStream();
        yaml.Load(new MergingParser(new Parser(reader))); // resolves the x-dispatch / x-node anchors (<<: *...)
        return (YamlMappingNode)Assert.Single(yaml.Documents).RootNode;
    }

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    private static string Scalar(YamlMappingNode map, string key) =>
        ((YamlScalarNode)map[key]).Value ?? throw new InvalidOperationException($"'{key}' has no value");

    private static List<string> Sequence(YamlMappingNode map, string key) =>
        ((YamlSequenceNode)map[key]).Children.Select(c => ((YamlScalarNode)c).Value ?? string.Empty).ToList();

    private static string Flag(List<string> command, string flag) => command[command.IndexOf(flag) + 1];

    private static string? Value(HoconConfig config, string path) => config.HasPath(path) ? config.GetString(path) : null;

    private static List<string> Keys(HoconConfig config, string path) => config.GetConfig(path).Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>The repository file a node's <c>--config</c> names, through the compose volume.</summary>
    private static HoconConfig NodeConfig(string service)
    {
        var inContainer = Sequence(Service(service), "command")[2];
        Assert.StartsWith(ConfigMount + "/", inContainer, StringComparison.Ordinal);
        var file = Path.Combine(Root, "hocon", "examples", inContainer[(ConfigMount.Length + 1)..]);
        Assert.True(File.Exists(file), $"{service} loads {inContainer}, which is {file} in the repository: not found");
        return WithReference(HoconConfig.Load(file));
    }

    private static HoconConfig WithReference(HoconConfig config) =>
        config.WithFallback(HoconConfig.Load(Path.Combine(Root, "hocon", "reference.conf"))).Resolve();

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Dispatch.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Dispatch.sln not found above " + AppContext.BaseDirectory);
    }
}
