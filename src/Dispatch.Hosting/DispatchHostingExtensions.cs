using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Hosting;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Dispatching;
using Dispatch.Hocon;
using Dispatch.Hosting.Clustering;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Lifecycle;
using Dispatch.Hosting.Logging;
using Dispatch.Hosting.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using AkkaConfig = Akka.Configuration.Config;

namespace Dispatch.Hosting;

/// <summary>
/// Dispatch as an Akka.Hosting plugin: <see cref="AkkaConfigurationBuilder"/> extensions used inside
/// <c>services.AddAkka("dispatch", (builder, sp) => builder.WithDispatch(...))</c>.
/// </summary>
public static partial class DispatchHostingExtensions
{
    /// <summary>
    /// Adds the Dispatch pipeline to the actor system: the <c>akka</c> section of the settings in front of the
    /// system's configuration, the <see cref="DispatchActor"/> registered in Akka.Hosting's <see cref="ActorRegistry"/>
    /// (so services get it as <see cref="IRequiredActor{TActor}"/> of <see cref="DispatchActor"/>), the telemetry actor
    /// feeding the <c>Dispatch</c> meter and the call log, and the drain as a <see cref="CoordinatedShutdown"/> task in
    /// <see cref="DispatchShutdown.Phase"/>, whose phase timeout is set from <c>dispatch.shutdown.drain-timeout</c>.
    /// When the actor system is a cluster system (the <c>akka</c> section sets <c>actor.provider = cluster</c>, or
    /// Akka.Cluster.Hosting's <c>WithClustering</c> does), the node also starts <see cref="Cluster.ClusterQuota"/>
    /// (<c>dispatch.cluster.quota</c>) and the pipeline draws its credits from it, so every endpoint's limits hold across
    /// the cluster (<see cref="ClusterMode"/>). A cluster node without the quota's role is a proxy node: it runs no
    /// pipeline, and a <see cref="Cluster.Proxy.DispatchProxy"/> (registered as such, and under <see cref="DispatchActor"/>
    /// in its place) sends its calls to the nodes with the role.
    /// </summary>
    /// <param name="builder">The Akka.Hosting builder.</param>
    /// <param name="options">The settings and dependencies.</param>
    /// <exception cref="Core.Options.DispatchOptionsException">A setting is invalid; the message names it.</exception>
    /// <example>
    /// <code>
    /// var settings = new DispatchConfigLoader().AddFile("app.conf").Load();
    /// services.AddAkka("dispatch", (builder, sp) => builder.WithDispatch(new DispatchHostingOptions { Settings = settings }));
    /// </code>
    /// </example>
    public static AkkaConfigurationBuilder WithDispatch(this AkkaConfigurationBuilder builder, DispatchHostingOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Settings ?? throw new ArgumentException("Settings must not be null.", nameof(options));
        settings.Validate();

        // The user's own akka settings (provider, remote, loggers, ...) go in front of Akka's defaults; the drain's
        // phase timeout goes in front of them, so CoordinatedShutdown always waits as long as the drain may take.
        if (!settings.Akka.IsEmpty) builder.AddHocon(ToAkkaConfig("akka", settings.Akka), HoconAddMode.Prepend);
        builder.AddHocon(DispatchShutdown.PhaseConfig(settings.Shutdown.DrainTimeout), HoconAddMode.Prepend);
        builder.WithActors((system, registry) => Start(system, registry, options, settings));
        return builder;
    }

    /// <summary>Adds the Dispatch pipeline, configured by <paramref name="configure"/>; see <see cref="WithDispatch(AkkaConfigurationBuilder, DispatchHostingOptions)"/>.</summary>
    /// <param name="builder">The Akka.Hosting builder.</param>
    /// <param name="configure">Sets the options.</param>
    public static AkkaConfigurationBuilder WithDispatch(this AkkaConfigurationBuilder builder, Action<DispatchHostingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new DispatchHostingOptions();
        configure(options);
        return builder.WithDispatch(options);
    }

    /// <summary>
    /// Sends Akka's own log events to Serilog through Akka.Logger.Serilog's <c>SerilogLogger</c> (as
    /// <see cref="DispatchSerilogLogger"/>), and from there to <paramref name="logger"/>: this actor system's
    /// events reach this logger only, even with several systems in one process.
    /// </summary>
    /// <param name="builder">The Akka.Hosting builder.</param>
    /// <param name="logger">Where this system's Akka log events go (e.g. one from <see cref="DispatchSerilog.Create"/>, which masks secrets).</param>
    /// <param name="level">The minimum level Akka publishes (<c>akka.loglevel</c>); verbose and debug are both Akka's DEBUG, fatal is its ERROR.</param>
    public static AkkaConfigurationBuilder WithDispatchSerilog(this AkkaConfigurationBuilder builder, Serilog.ILogger logger, LogLevelSetting level = LogLevelSetting.Information)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(logger);
        builder.AddSetup(new DispatchSerilogSetup(logger));
        return builder.ConfigureLoggers(loggers =>
        {
            loggers.LogLevel = ToAkka(level);
            loggers.ClearLoggers();
            loggers.AddLogger<DispatchSerilogLogger>();
        });
    }

    /// <summary>An Akka <see cref="AkkaConfig"/> holding <paramref name="section"/> under <paramref name="path"/>, built from Dispatch.Hocon's resolved tree.</summary>
    /// <remarks>
    /// The tree is rendered as JSON, which Akka's parser reads correctly; the HOCON features it gets wrong
    /// (inheritance, <c>${?X}</c>, self-references) are already resolved by Dispatch.Hocon.
    /// </remarks>
    internal static AkkaConfig ToAkkaConfig(string path, HoconConfig section)
    {
        var json = "{" + System.Text.Json.JsonSerializer.Serialize(path) + ":" + section.ToJson() + "}";
        return Akka.Configuration.ConfigurationFactory.ParseString(json);
    }

    private static void Start(ActorSystem system, IActorRegistry registry, DispatchHostingOptions options, DispatchSettings settings)
    {
        var services = DependencyResolver.For(system).Resolver;
        var loggers = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var metrics = SystemMetrics.Of(system);

        // Cluster mode: the endpoints' credits come from the quota shared by every node with the dispatch role; a node
        // without the role runs no pipeline and sends its calls through a DispatchProxy to the nodes that have it.
        var dependencies = options.Dependencies;
        // The provider the system really runs, so a cluster set up in code (Akka.Cluster.Hosting's WithClustering) counts too.
        var cluster = ((ExtendedActorSystem)system).Provider is Akka.Cluster.ClusterActorRefProvider
            ? ClusterMode.Start(system, registry, settings, options.ActorName, options.StatusPollInterval)
            : null;
        if (cluster?.Quota is { } quota) dependencies = (dependencies ?? new DispatchDependencies()) with { CreditSourceFactory = quota.CreditSourceFactory };

        IActorRef dispatch;
        if (cluster?.Proxy is { } proxy)
        {
            // The proxy speaks the DispatchActor's protocol and stands in for it, as Akka.Cluster.Hosting's shard region
            // and singleton proxies are registered under their region's key on nodes without the role.
            dispatch = proxy;
            LogProxyNode(loggers.CreateLogger("Dispatch.Hosting"), settings.ClusterQuota.Role);
        }
        else
        {
            dispatch = system.ActorOf(DispatchActor.Props(settings.Dispatch, dependencies), options.ActorName);
            var telemetry = system.ActorOf(TelemetryActor.Props(dispatch, metrics, loggers.CreateLogger("Dispatch.Calls"), options.StatusPollInterval), options.ActorName + "-telemetry");
            TelemetryActor.Subscribe(system.EventStream, telemetry);
            // Where the cluster's proxies send streamed calls, with a stream ref back to their caller.
            if (cluster is not null) system.ActorOf(StreamedCallReceiver.Props(dispatch), options.ActorName + StreamedCallReceiver.NameSuffix);
        }

        registry.Register<DispatchActor>(dispatch);
        var shutdown = DispatchShutdown.Register(system, dispatch, settings.Shutdown.DrainTimeout, loggers.CreateLogger<DispatchShutdown>());
        if (options.DrainWhenHostStops && services.GetService<IHostApplicationLifetime>() is { } lifetime)
        {
            var stopping = lifetime.ApplicationStopping.Register(() => shutdown.Drain());
            system.WhenTerminated.ContinueWith(_ => stopping.Dispose(), TaskScheduler.Default);
        }

        LogStarted(loggers.CreateLogger("Dispatch.Hosting"), settings.Dispatch.Endpoints.Count, string.Join(", ", settings.Dispatch.Endpoints.Keys));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No '{Role}' role on this cluster node: it runs no pipeline, and its calls go through a DispatchProxy to the nodes with the role")]
    private static partial void LogProxyNode(ILogger logger, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dispatch started with {EndpointCount} endpoint(s): {Endpoints}")]
    private static partial void LogStarted(ILogger logger, int endpointCount, string endpoints);

    private static Akka.Event.LogLevel ToAkka(LogLevelSetting level) => level switch
    {
        LogLevelSetting.Verbose or LogLevelSetting.Debug => Akka.Event.LogLevel.DebugLevel,
        LogLevelSetting.Warning => Akka.Event.LogLevel.WarningLevel,
        LogLevelSetting.Error or LogLevelSetting.Fatal => Akka.Event.LogLevel.ErrorLevel,
        _ => Akka.Event.LogLevel.InfoLevel,
    };
}
