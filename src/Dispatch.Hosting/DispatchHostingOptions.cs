using Dispatch.Core.Dispatching;
using Dispatch.Hosting.Configuration;

namespace Dispatch.Hosting;

/// <summary>
/// What <see cref="DispatchHostingExtensions.WithDispatch(Akka.Hosting.AkkaConfigurationBuilder, DispatchHostingOptions)"/>
/// starts: the node's settings (usually from <see cref="DispatchConfigLoader"/>), the pipeline's
/// dependencies and how often its status feeds the metrics.
/// </summary>
public sealed class DispatchHostingOptions
{
    /// <summary>
    /// The node's settings: the endpoints, <c>dispatch.shutdown.drain-timeout</c>, and the <c>akka</c> section
    /// the actor system starts with. Validated when the actor system is created. Default: no endpoints.
    /// </summary>
    public DispatchSettings Settings { get; set; } = new();

    /// <summary>The pipeline's dependencies (environment, randomness, token estimation, credit source); <see langword="null"/> uses its defaults.</summary>
    public DispatchDependencies? Dependencies { get; set; }

    /// <summary>How often the pipeline's status is polled for the <c>Dispatch</c> meter's gauges. Default 1 second.</summary>
    public TimeSpan StatusPollInterval { get; set; } = DefaultStatusPollInterval;

    /// <summary>The default of <see cref="StatusPollInterval"/> (and of a proxy's, <c>WithDispatchProxy</c>'s).</summary>
    internal static readonly TimeSpan DefaultStatusPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Whether the drain begins as soon as the host starts stopping (<c>IHostApplicationLifetime.ApplicationStopping</c>),
    /// in parallel with the web server's own stop, so HTTP callers waiting for a result get one; <c>CoordinatedShutdown</c>
    /// then waits for that same drain. Default <see langword="true"/>; without a host it makes no difference.
    /// </summary>
    public bool DrainWhenHostStops { get; set; } = true;

    /// <summary>The name of the <see cref="DispatchActor"/> under <c>/user</c>. Default <c>dispatch</c>.</summary>
    public string ActorName { get; set; } = "dispatch";
}
