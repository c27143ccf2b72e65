using Dispatch.Cluster;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Options;
using Dispatch.Hocon;
using Dispatch.Hosting.Gateway;

namespace Dispatch.Hosting.Configuration;

/// <summary>
/// Everything a Dispatch node reads from configuration: the pipeline's <see cref="DispatchOptions"/>
/// and the node's own logging, ingress and shutdown settings, plus the <c>akka</c> section its
/// actor system starts with. Built from HOCON by <see cref="DispatchConfigLoader"/>.
/// </summary>
public sealed record DispatchSettings
{
    /// <summary>The pipeline's options: the endpoints and their policies.</summary>
    public DispatchOptions Dispatch { get; init; } = new();

    /// <summary>Logging (<c>dispatch.logging</c>).</summary>
    public LoggingOptions Logging { get; init; } = new();

    /// <summary>The HTTP ingress (<c>dispatch.ingress</c>).</summary>
    public IngressOptions Ingress { get; init; } = new();

    /// <summary>The OpenAI-compatible gateway on the ingress (<c>dispatch.gateway</c>).</summary>
    public GatewayOptions Gateway { get; init; } = new();

    /// <summary>Shutdown (<c>dispatch.shutdown</c>).</summary>
    public ShutdownOptions Shutdown { get; init; } = new();

    /// <summary>
    /// How the endpoints' quotas are shared when the node is a cluster member (<c>dispatch.cluster.quota</c>); read only
    /// when <see cref="IsCluster"/>.
    /// </summary>
    public ClusterQuotaOptions ClusterQuota { get; init; } = new();

    /// <summary>
    /// How a cluster node without the quota's role sends its calls to the nodes with it (<c>dispatch.cluster.proxy</c>);
    /// read only when <see cref="IsCluster"/> and the node lacks the role. Its role is <see cref="ClusterQuotaOptions.Role"/>.
    /// </summary>
    public DispatchProxyOptions ClusterProxy { get; init; } = new();

    /// <summary>
    /// Whether the node is an Akka.Cluster member: the <see cref="Akka"/> section sets <c>actor.provider</c> to
    /// <c>cluster</c> (or Akka's full name of the cluster provider).
    /// </summary>
    public bool IsCluster
    {
        get
        {
            if (!Akka.HasPath("actor.provider")) return false;
            var provider = Akka.GetString("actor.provider") ?? "";
            return provider.Equals("cluster", StringComparison.OrdinalIgnoreCase)
                || provider.StartsWith("Akka.Cluster.ClusterActorRefProvider", StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The <c>akka</c> section of the node's resolved configuration (provider, remote, loggers, …), handed to the
    /// actor system in front of Akka's own defaults; empty when the configuration has none or the settings were built in code.
    /// </summary>
    public HoconConfig Akka { get; init; } = HoconConfig.Empty;

    /// <summary>Every invalid setting, each starting with its configuration path.</summary>
    public IReadOnlyList<string> GetErrors()
    {
        var errors = new List<string>(Dispatch.GetErrors());
        Logging.Check(errors);
        Ingress.Check(errors);
        Gateway.Check(errors, Dispatch.Endpoints.Keys.ToArray());
        Shutdown.Check(errors);
        errors.AddRange(ClusterQuota.GetErrors());
        errors.AddRange(ClusterProxy.GetErrors());
        return errors;
    }

    /// <summary>Throws <see cref="DispatchOptionsException"/> naming every invalid setting.</summary>
    public void Validate()
    {
        var errors = GetErrors();
        if (errors.Count > 0) throw new DispatchOptionsException(errors);
    }
}
