using System.Globalization;
using Dispatch.Hocon;
using Dispatch.Hosting.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dispatch.Cli.Tests.Compose;

/// <summary>
/// docker-compose.yml cannot be run here (no Docker engine), so it is read as YAML and checked against
/// the repository: its files exist, each node's config loads as a node loads it, forms one cluster whose seeds
/// are the compose services at the addresses they advertise, and points at the compose fake upstream, and the
/// ports, health checks and stop grace fit the settings.
/// </summary>
public sealed class ComposeFileTests
{
    private const string ConfigMount = "/etc/dispatch";
    private static readonly string Root = RepoRoot();
    private static readonly YamlMappingNode Services = (YamlMappingNode)LoadCompose()["services"];

    public static TheoryData<string> Nodes => new(NodeNames);

    private static readonly string[] NodeNames = ["node1", "node2", "node3"];

    [Fact]
    public void Compose_runs_the_fake_upstream_and_three_cluster_nodes_and_nothing_else()
    {
        Assert.Equal(["fake-upstream", .. NodeNames], Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        Assert.All(NodeNames, node =>
            Assert.Equal(["fake-upstream"], ((YamlMappingNode)Service(node)["depends_on"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value)));
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

    [Theory]
    [MemberData(nameof(Nodes))]
    public void Each_node_loads_a_repository_config_that_a_node_accepts_and_publishes_its_ingress(string name)
    {
        var node = Service(name);
        Assert.Equal(["node", "--config", $"{ConfigMount}/compose-{name}.conf"], Sequence(node, "command"));
        Assert.Contains($"./hocon/examples:{ConfigMount}:ro", Sequence(node, "volumes"));

        // Loaded and validated as `dispatch node` loads it: a setting the node refuses fails here.
        var settings = NodeSettings(name);
        var hostPort = 8780 + Array.IndexOf(NodeNames, name);
        Assert.Equal("0.0.0.0", settings.Ingress.Bind);
        Assert.Equal($"127.0.0.1:{hostPort}:{settings.Ingress.Port}", Assert.Single(Sequence(node, "ports")));
        Assert.Contains(settings.Ingress.TokenEnv, ((YamlMappingNode)node["environment"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        Assert.Contains($"http://127.0.0.1:{settings.Ingress.Port}/v1/status", string.Join(' ', Sequence((YamlMappingNode)node["healthcheck"], "test")));
    }

    [Theory]
    [MemberData(nameof(Nodes))]
    public void Each_node_is_a_cluster_member_with_the_dispatch_role_reachable_by_its_service_name(string name)
    {
        var config = NodeConfig(name);

        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal(name, config.GetString("akka.remote.dot-netty.tcp.public-hostname"));
        Assert.Equal("0.0.0.0", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Contains(NodeSettings(name).ClusterQuota.Role, config.GetStringList("akka.cluster.roles"));
    }

    [Theory]
    [MemberData(nameof(Nodes))]
    public void Each_nodes_seed_nodes_are_compose_services_at_their_own_public_address(string name)
    {
        var seeds = NodeConfig(name).GetStringList("akka.cluster.seed-nodes");

        Assert.NotEmpty(seeds);
        Assert.Equal(NodeNames[0], new Uri(seeds[0]).Host); // the first seed forms the cluster when none answers
        Assert.All(seeds, seed =>
        {
            var address = new Uri(seed);
            Assert.Equal("akka.tcp", address.Scheme);
            Assert.Equal("dispatch", address.UserInfo); // the actor system's name
            Assert.Contains(address.Host, NodeNames);
            var seedConfig = NodeConfig(address.Host);
            Assert.Equal(address.Host, seedConfig.GetString("akka.remote.dot-netty.tcp.public-hostname"));
            Assert.Equal(address.Port, seedConfig.GetInt("akka.remote.dot-netty.tcp.port"));
        });
    }

    [Theory]
    [MemberData(nameof(Nodes))]
    public void Each_nodes_endpoint_is_the_compose_fake_upstream_with_its_limit(string name)
    {
        var upstream = Sequence(Service("fake-upstream"), "command");
        var endpoint = Assert.Single(NodeSettings(name).Dispatch.Endpoints.Values);

        Assert.Equal("fake-upstream", upstream[0]);
        Assert.Equal($"http://fake-upstream:{Flag(upstream, "--port")}", endpoint.BaseUrl);
        Assert.Equal(int.Parse(Flag(upstream, "--rpm"), CultureInfo.InvariantCulture), endpoint.RateLimit.Requests);
        Assert.Equal(TimeSpan.FromMinutes(1), endpoint.RateLimit.Interval);
        Assert.Equal("0.0.0.0", Flag(upstream, "--bind"));
        Assert.Equal($"127.0.0.1:{Flag(upstream, "--port")}:{Flag(upstream, "--port")}", Assert.Single(Sequence(Service("fake-upstream"), "ports")));
    }

    [Theory]
    [MemberData(nameof(Nodes))]
    public void Docker_waits_for_each_node_to_drain_before_killing_it(string name)
    {
        var grace = Scalar(Service(name), "stop_grace_period");
        Assert.EndsWith("s", grace, StringComparison.Ordinal);

        Assert.True(TimeSpan.FromSeconds(int.Parse(grace[..^1], CultureInfo.InvariantCulture)) > NodeSettings(name).Shutdown.DrainTimeout);
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

    /// <summary>A node's settings from the repository file its <c>--config</c> names through the compose volume.</summary>
    private static DispatchSettings NodeSettings(string name) => Loader(name).Load();

    /// <summary>A node's whole resolved configuration (the <c>akka</c> section included).</summary>
    private static HoconConfig NodeConfig(string name) => Loader(name).LoadConfig();

    private static DispatchConfigLoader Loader(string name)
    {
        var inContainer = Sequence(Service(name), "command")[2];
        Assert.StartsWith(ConfigMount + "/", inContainer, StringComparison.Ordinal);
        var file = Path.Combine(Root, "hocon", "examples", inContainer[(ConfigMount.Length + 1)..]);
        Assert.True(File.Exists(file), $"{name} loads {inContainer}, which is {file} in the repository: not found");
        return new DispatchConfigLoader { EnvironmentVariables = () => [] }.AddFile(file);
    }

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Dispatch.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Dispatch.sln not found above " + AppContext.BaseDirectory);
    }
}
