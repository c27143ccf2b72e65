using Akka.Hosting;
using Dispatch.Cluster.Proxy;
using Dispatch.Hosting.Clustering;

namespace Dispatch.Hosting;

/// <summary>The <see cref="DispatchProxy"/> as an Akka.Hosting plugin.</summary>
public static partial class DispatchHostingExtensions
{
    /// <summary>
    /// Adds a <see cref="DispatchProxy"/> at <c>/user/dispatch-proxy</c>, registered in Akka.Hosting's
    /// <see cref="ActorRegistry"/> (services get it as <see cref="IRequiredActor{TActor}"/> of <see cref="DispatchProxy"/>):
    /// it sends each call to a cluster node with the <see cref="DispatchProxyOptions.Role"/> role and re-sends it when that
    /// node is lost, so the caller gets one answer. For an application node that joins the cluster without running
    /// Dispatch, or a <c>dispatch</c> node that wants its calls spread over the cluster; with <c>AddDispatch</c>, the
    /// node's <c>ICallSubmitter</c> (and so its ingress) then goes through the proxy. A cluster node that
    /// <c>WithDispatch</c> starts without the role gets one without asking. Its calls, re-sends, calls outstanding and
    /// ready nodes are reported on the <c>Dispatch</c> meter (<c>dispatch.calls</c> and <c>dispatch.call.duration</c>
    /// tagged <c>via = proxy</c>, <c>dispatch.proxy.*</c>).
    /// </summary>
    /// <param name="builder">The Akka.Hosting builder; the actor system must be a cluster system (<c>akka.actor.provider = cluster</c>).</param>
    /// <param name="options">Which nodes take the calls and where their <c>DispatchActor</c> runs; <see langword="null"/> for the defaults. Validated here.</param>
    /// <param name="statusPollInterval">How often the proxy's state is polled for the gauges; <see langword="null"/> for 1 second (as <see cref="DispatchHostingOptions.StatusPollInterval"/>).</param>
    /// <exception cref="Core.Options.DispatchOptionsException">An option is invalid, or (when the actor system starts) the system is not a cluster system.</exception>
    /// <example>
    /// <code>
    /// services.AddAkka("dispatch", (builder, sp) => builder
    ///     .AddHocon(clusterConfig, HoconAddMode.Prepend)     // provider = cluster, seed nodes, roles without dispatch
    ///     .WithDispatchProxy());
    /// // elsewhere: IRequiredActor&lt;DispatchProxy&gt; proxy; proxy.ActorRef.Tell(new APICalling(...), Self);
    /// </code>
    /// </example>
    public static AkkaConfigurationBuilder WithDispatchProxy(this AkkaConfigurationBuilder builder, DispatchProxyOptions? options = null, TimeSpan? statusPollInterval = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        options ??= new DispatchProxyOptions();
        options.Validate();
        var poll = statusPollInterval ?? DispatchHostingOptions.DefaultStatusPollInterval;
        if (poll <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(statusPollInterval), poll, "The proxy's status poll interval must be > 0.");
        return builder.WithActors((system, registry) => ClusterMode.StartProxy(system, registry, options, poll));
    }
}
