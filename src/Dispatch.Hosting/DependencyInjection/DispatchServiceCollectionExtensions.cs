using System.Diagnostics.Metrics;
using Akka.Hosting;
using Dispatch.Core.Dispatching;
using Dispatch.Hocon;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Lifecycle;
using Dispatch.Hosting.Logging;
using Dispatch.Hosting.Submission;
using Dispatch.Hosting.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using Serilog;

namespace Dispatch.Hosting.DependencyInjection;

/// <summary>Adds Dispatch to a generic host.</summary>
public static class DispatchServiceCollectionExtensions
{
    /// <summary>
    /// Adds a Dispatch node in one line: configuration (reference.conf, the user's HOCON, <c>DISPATCH__…</c>
    /// environment overrides) loaded and validated when the host starts, then Akka.Hosting's
    /// <c>AddAkka(SystemName, …)</c> with <see cref="DispatchHostingExtensions.WithDispatch(AkkaConfigurationBuilder, DispatchHostingOptions)"/>
    /// (the <see cref="DispatchActor"/> in Akka.Hosting's <see cref="ActorRegistry"/>, injected as
    /// <see cref="IRequiredActor{TActor}"/>; the drain in <c>CoordinatedShutdown</c>), <see cref="ICallSubmitter"/>,
    /// <see cref="DispatchSettings"/>, Serilog (Akka's own events included, through Akka.Logger.Serilog) and the
    /// <c>Dispatch</c> meter on OpenTelemetry's meter provider.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Configures the node.</param>
    /// <example>
    /// <code>
    /// builder.Services.AddDispatch(d => d
    ///     .AddHoconFile("app.conf")
    ///     .WithActors((system, registry) => registry.Register&lt;MyActor&gt;(system.ActorOf(MyActor.Props(registry.Get&lt;DispatchActor&gt;())))));
    /// </code>
    /// </example>
    public static IServiceCollection AddDispatch(this IServiceCollection services, Action<DispatchBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new DispatchBuilder();
        configure?.Invoke(builder);

        services.AddSingleton(builder);
        services.AddSingleton<DispatchSettings>(_ => builder.LoadSettings());
        services.AddSingleton(sp => new DispatchMetrics(sp.GetService<IMeterFactory>()));
        services.AddSingleton<CallSubmitter>();
        services.AddSingleton<ICallSubmitter>(sp => sp.GetRequiredService<CallSubmitter>());

        // Registered before AddAkka's hosted service, so a bad setting stops the host (named, with where it was
        // written) before an actor system exists.
        services.AddHostedService(sp => new SettingsCheck(sp, builder));
        services.AddAkka(builder.SystemName, (akka, sp) =>
        {
            var settings = sp.GetRequiredService<DispatchSettings>();
            if (builder.UseSerilog) akka.WithDispatchSerilog(sp.GetRequiredService<ILogger>(), settings.Logging.Level);
            else akka.ConfigureLoggers(loggers => loggers.ClearLoggers().AddLoggerFactory());
            akka.WithDispatch(new DispatchHostingOptions
            {
                Settings = settings,
                Dependencies = builder.Dependencies,
                StatusPollInterval = builder.StatusPollInterval,
            });
            foreach (var setup in builder.AkkaSetups) setup(akka, sp);
        });

        // The drain runs inside the host's stop budget, or the host would abandon calls mid-drain.
        services.AddOptions<HostOptions>().Configure<IServiceProvider>((options, sp) =>
        {
            if (TryGetSettings(sp) is { } settings && options.ShutdownTimeout < settings.Shutdown.DrainTimeout + DispatchShutdown.StopMargin)
                options.ShutdownTimeout = settings.Shutdown.DrainTimeout + DispatchShutdown.StopMargin;
        });

        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(DispatchMetrics.MeterName));

        if (builder.UseSerilog)
        {
            // The host's own Serilog logger, not the static Log.Logger, so hosts in one process stay apart.
            services.AddSerilog(
                (sp, configuration) =>
                {
                    // A bad configuration must still be logged: fall back to the default level and let start-up report it.
                    var settings = TryGetSettings(sp);
                    var redactor = new SecretRedactor(settings is null ? [] : Secrets(settings, builder.Dependencies?.GetEnvironmentVariable ?? Environment.GetEnvironmentVariable));
                    DispatchSerilog.Configure(configuration, settings?.Logging ?? new LoggingOptions(), redactor, builder.LogToConsole, builder.LogToStandardError);
                },
                preserveStaticLogger: true);
        }

        return services;
    }

    /// <summary>The values of the node's secrets, read from the environment variables the settings name.</summary>
    internal static IEnumerable<string?> Secrets(DispatchSettings settings, Func<string, string?> environment)
    {
        foreach (var endpoint in settings.Dispatch.Endpoints.Values)
        {
            if (endpoint.ApiKeyEnv is { } env) yield return environment(env);
        }

        yield return environment(settings.Ingress.TokenEnv);
    }

    /// <summary>The node's settings, or <see langword="null"/> when they are invalid (start-up reports why).</summary>
    internal static DispatchSettings? TryGetSettings(IServiceProvider sp)
    {
        try
        {
            return sp.GetRequiredService<DispatchSettings>();
        }
        catch (Exception e) when (e is HoconException or Core.Options.DispatchOptionsException or IOException)
        {
            return null;
        }
    }
}
