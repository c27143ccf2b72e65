using Dispatch.Cli.Up;
using Dispatch.Hosting.Configuration;

namespace Dispatch.Cli.Tests.Cluster;

/// <summary>The config <c>dispatch up</c> writes for each node over the user's <c>--config</c>.</summary>
public sealed class UpNodeConfigTests : IDisposable
{
    private const string Seed = "akka.tcp://dispatch@127.0.0.1:4053";
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("dispatch-up-config-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void A_nodes_config_keeps_the_users_endpoints_and_adds_its_cluster_place_and_a_free_loopback_ingress()
    {
        var user = Path.Combine(_directory.FullName, "app.conf");
        File.WriteAllText(user, """
            dispatch.endpoints.api { base-url = "http://127.0.0.1:9", rate-limit { requests = 50, interval = 10s } }
            dispatch.ingress { bind = "0.0.0.0", port = 8780 }
            """);
        var node = Path.Combine(_directory.FullName, "node2.conf");
        File.WriteAllText(node, UpCommand.NodeConfig(user, 4054, Seed));

        var loader = new DispatchConfigLoader { EnvironmentVariables = () => [] }.AddFile(node);
        var settings = loader.Load();
        var config = loader.LoadConfig();

        Assert.Equal(50, Assert.Single(settings.Dispatch.Endpoints.Values).RateLimit.Requests);
        Assert.Equal("127.0.0.1", settings.Ingress.Bind);
        Assert.Equal(0, settings.Ingress.Port);
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal(4054, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal([Seed], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(["dispatch"], config.GetStringList("akka.cluster.roles"));
    }
}
