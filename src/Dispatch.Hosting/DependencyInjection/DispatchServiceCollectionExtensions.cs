using Dispatch.Actors;
using Dispatch.Hocon;
using Dispatch.Hosting.Registry;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Lifecycle;
using Dispatch.Hosting.Logging;
using Dispatch.Hosting.Submission;
using Dispatch.Hosting.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog.Extensions.Logging;

namespace Dispatch.Hosting.DependencyInjection;

/// <summary>Adds Dispatch to a generic host.</summary>
public static class DispatchServiceCollectionExtensions
{
    /// <summary>
    /// Adds a Dispatch node: configuration (reference.conf, the user's HOCON, <c>DISPATCH__…</c>
    /// environment overrides) loaded and validated when the host starts, the actor system and the
    /// pipeline as a hosted service that drains on stop, the actor registry (<see cref="IActorRegistry"/>,
    /// <see cref="IRequiredActor{TKey}"/>), <see cref="ICallSubmitter"/>, Serilog and the <c>Dispatch</c> meter.
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
        services.AddSingleton<IActorRegistry, ActorRegistry>();
        services.AddSingleton(typeof(IRequiredActor<>), typeof(RequiredActor<>));
        services.AddSingleton(sp => new DispatchMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<CallSubmitter>();
        services.AddSingleton<ICallSubmitter>(sp => sp.GetRequiredService<CallSubmitter>());
        services.AddSingleton<DispatchHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<DispatchHostedService>());
        services.AddSingleton<ActorSystem>(sp => sp.GetRequiredService<DispatchHostedService>().System);

        // Draining must fit in the host's stop budget, or the host would abandon calls mid-drain.
        services.AddOptions<HostOptions>().Configure<IServiceProvider>((options, sp) =>
        {
            if (TryGetSettings(sp) is { } settings && options.ShutdownTimeout < settings.Shutdown.DrainTimeout + DispatchHostedService.StopMargin)
                options.ShutdownTimeout = settings.Shutdown.DrainTimeout + DispatchHostedService.StopMargin;
        });

        if (builder.UseSerilog)
        {
            services.RemoveAll<ILoggerProvider>();
            services.AddSingleton<ILoggerProvider>(sp =>
            {
                // A bad configuration must still be logged: fall back to default logging and let start-up report it.
                var settings = TryGetSettings(sp);
                var redactor = new SecretRedactor(settings is null ? [] : Secrets(settings, builder.Dependencies?.GetEnvironmentVariable ?? Environment.GetEnvironmentVariable));
                var logger = DispatchSerilog.Create(settings?.Logging ?? new LoggingOptions(), redactor, builder.LogToConsole, builder.LogToStandardError);
                return new SerilogLoggerProvider(logger, dispose: true);
            });
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
