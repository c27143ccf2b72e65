using Akka.Actor;
using Akka.Hosting;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Options;
using Dispatch.Hosting.Configuration;

namespace Dispatch.Hosting.DependencyInjection;

/// <summary>
/// What <c>AddDispatch</c> sets up: where configuration comes from (reference.conf is always the
/// last fallback), the pipeline's dependencies, user actors, further Akka.Hosting configuration and logging.
/// </summary>
public sealed class DispatchBuilder
{
    private readonly List<Action<AkkaConfigurationBuilder, IServiceProvider>> _akkaSetups = [];
    private readonly List<Func<DispatchSettings, DispatchSettings>> _settingsChanges = [];
    private readonly List<Action<IServiceProvider, DispatchSettings>> _startChecks = [];

    internal DispatchBuilder()
    {
    }

    /// <summary>The actor system's name. Default <c>dispatch</c>.</summary>
    public string SystemName { get; set; } = "dispatch";

    /// <summary>The pipeline's dependencies (environment, randomness, token estimation, credit source); <see langword="null"/> uses its defaults.</summary>
    public DispatchDependencies? Dependencies { get; set; }

    /// <summary>Whether Serilog replaces the host's logging providers. Default <see langword="true"/>.</summary>
    public bool UseSerilog { get; set; } = true;

    /// <summary>Whether Serilog writes to the console. Default <see langword="true"/>.</summary>
    public bool LogToConsole { get; set; } = true;

    /// <summary>Whether console logging goes to standard error, keeping standard output for a command's own output. Default <see langword="false"/>.</summary>
    public bool LogToStandardError { get; set; }

    /// <summary>How often the pipeline's status is polled for the metrics. Default 1 second.</summary>
    public TimeSpan StatusPollInterval { get; set; } = DispatchHostingOptions.DefaultStatusPollInterval;

    internal DispatchConfigLoader Loader { get; } = new();

    internal IReadOnlyList<Action<AkkaConfigurationBuilder, IServiceProvider>> AkkaSetups => _akkaSetups;

    /// <summary>Checks run on the valid settings before the actor system starts; one that throws stops the host.</summary>
    internal List<Action<IServiceProvider, DispatchSettings>> StartChecks => _startChecks;

    /// <summary>Adds the user's HOCON file (read at start; a later file wins over an earlier one).</summary>
    /// <param name="path">The file path.</param>
    public DispatchBuilder AddHoconFile(string path)
    {
        Loader.AddFile(path);
        return this;
    }

    /// <summary>Adds HOCON text above the files added before it.</summary>
    /// <param name="text">The document.</param>
    /// <param name="originName">The name errors use for it.</param>
    public DispatchBuilder AddHocon(string text, string originName = "inline config")
    {
        Loader.AddText(text, originName);
        return this;
    }

    /// <summary>Overrides one setting above every file and environment variable (e.g. a command-line flag).</summary>
    /// <param name="path">The setting's path, e.g. <c>dispatch.shutdown.drain-timeout</c>.</param>
    /// <param name="value">The value as text.</param>
    /// <param name="originName">Where it came from, named in errors.</param>
    public DispatchBuilder Override(string path, string? value, string? originName = null)
    {
        Loader.Override(path, value, originName);
        return this;
    }

    /// <summary>Overrides one setting given by its path segments (for keys holding dots).</summary>
    /// <param name="path">The path segments.</param>
    /// <param name="value">The value as text.</param>
    /// <param name="originName">Where it came from, named in errors.</param>
    public DispatchBuilder Override(IReadOnlyList<string> path, string? value, string originName)
    {
        Loader.Override(path, value, originName);
        return this;
    }

    /// <summary>Replaces where <c>DISPATCH__…</c> environment overrides are read from (the process environment by default).</summary>
    /// <param name="variables">The variables by name.</param>
    public DispatchBuilder WithEnvironmentVariables(Func<IEnumerable<KeyValuePair<string, string?>>> variables)
    {
        Loader.EnvironmentVariables = variables;
        return this;
    }

    /// <summary>Adds or replaces an endpoint defined in code (validated with the rest at start).</summary>
    /// <param name="endpoint">The endpoint.</param>
    public DispatchBuilder AddEndpoint(EndpointOptions endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return ConfigureSettings(s => s with
        {
            Dispatch = s.Dispatch with
            {
                Endpoints = new Dictionary<string, EndpointOptions>(s.Dispatch.Endpoints) { [endpoint.Name] = endpoint },
            },
        });
    }

    /// <summary>Changes the settings after HOCON is mapped and before they are validated.</summary>
    /// <param name="change">Returns the changed settings.</param>
    public DispatchBuilder ConfigureSettings(Func<DispatchSettings, DispatchSettings> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _settingsChanges.Add(change);
        return this;
    }

    /// <summary>
    /// Creates user actors once the system and the pipeline are up (Akka.Hosting's <c>WithActors</c>); the
    /// <see cref="DispatchActor"/> is already in the registry, and actors registered here are injected as
    /// <see cref="IRequiredActor{TActor}"/>.
    /// </summary>
    /// <param name="setup">Called once at start with the system and Akka.Hosting's registry.</param>
    public DispatchBuilder WithActors(Action<ActorSystem, IActorRegistry> setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return ConfigureAkka((akka, _) => akka.WithActors(setup));
    }

    /// <summary>
    /// Configures the actor system further with Akka.Hosting (HOCON, extensions, actors, other plugins), after
    /// Dispatch has added itself; called when the system is created.
    /// </summary>
    /// <param name="configure">Called with Akka.Hosting's builder and the host's services.</param>
    public DispatchBuilder ConfigureAkka(Action<AkkaConfigurationBuilder, IServiceProvider> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _akkaSetups.Add(configure);
        return this;
    }

    /// <summary>Loads, maps, changes and validates the settings.</summary>
    internal DispatchSettings LoadSettings()
    {
        var settings = Loader.Load();
        if (_settingsChanges.Count == 0) return settings;
        foreach (var change in _settingsChanges) settings = change(settings);
        settings.Validate();
        return settings;
    }
}
