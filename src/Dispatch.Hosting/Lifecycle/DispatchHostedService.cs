using Dispatch.Actors;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.Hosting.Registry;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.DependencyInjection;
using Dispatch.Hosting.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dispatch.Hosting.Lifecycle;

/// <summary>
/// Runs a node's actor system for the host's lifetime. On start: validates the settings (a bad
/// one stops the host, named in the error), creates the system and the pipeline, registers it,
/// creates user actors. On stop (SIGTERM, Ctrl-C, <c>StopAsync</c>): drains the pipeline within
/// <c>dispatch.shutdown.drain-timeout</c> (queued and in-flight calls may finish, what is left is
/// answered <c>Cancelled</c>), then terminates the system, so no accepted call is left without a final result.
/// </summary>
public sealed partial class DispatchHostedService : IHostedService, IAsyncDisposable
{
    /// <summary>Time allowed beyond the drain timeout for the pipeline to answer and the system to stop.</summary>
    public static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(15);

    private readonly IServiceProvider _services;
    private readonly DispatchBuilder _builder;
    private readonly IActorRegistry _registry;
    private readonly DispatchMetrics _metrics;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly ILogger<DispatchHostedService> _log;
    private readonly Lock _drainLock = new();
    private ActorSystem? _system;
    private IActorRef? _dispatch;
    private DispatchSettings? _settings;
    private Task<DrainCompleted?>? _drain;
    private CancellationTokenRegistration _stoppingRegistration;

    /// <summary>Created by dependency injection.</summary>
    public DispatchHostedService(
        IServiceProvider services,
        DispatchBuilder builder,
        IActorRegistry registry,
        DispatchMetrics metrics,
        ILogger<DispatchHostedService> log)
    {
        _services = services;
        _builder = builder;
        _registry = registry;
        _metrics = metrics;
        _lifetime = services.GetService<IHostApplicationLifetime>();
        _log = log;
    }

    /// <summary>The running actor system.</summary>
    /// <exception cref="InvalidOperationException">The host has not started.</exception>
    public ActorSystem System => _system ?? throw new InvalidOperationException("The Dispatch actor system is not started; start the host first.");

    /// <summary>The validated settings the node runs with.</summary>
    /// <exception cref="InvalidOperationException">The host has not started.</exception>
    public DispatchSettings Settings => _settings ?? throw new InvalidOperationException("The Dispatch node is not started; start the host first.");

    /// <summary>Completes with the drain's outcome once the node has drained (<see langword="null"/> when the pipeline did not answer in time).</summary>
    public Task<DrainCompleted?> Drained => _drain ?? Task.FromResult<DrainCompleted?>(null);

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _settings = _services.GetRequiredService<DispatchSettings>();
        }
        catch (Exception e) when (e is Hocon.HoconException or Core.Options.DispatchOptionsException or IOException)
        {
            LogInvalidConfiguration(e.Message);
            throw;
        }

        _system = ActorSystem.Create(_builder.SystemName, new ActorSystemSettings
        {
            TimeProvider = _builder.TimeProvider,
            LoggerFactory = _services.GetRequiredService<ILoggerFactory>(),
        });
        _dispatch = _system.ActorOf(DispatchActor.Props(_settings.Dispatch, _builder.Dependencies), "dispatch");
        _registry.Register<DispatchActor>(_dispatch);
        _system.ActorOf(
            TelemetryActor.Props(_dispatch, _metrics, _system.LoggerFactory.CreateLogger("Dispatch.Calls"), _builder.StatusPollInterval),
            "telemetry");
        foreach (var setup in _builder.ActorSetups) setup(_system, _registry);

        // Drain as soon as the host begins stopping, in parallel with the web server's own stop, so
        // ingress requests waiting for a result get one.
        if (_lifetime is not null) _stoppingRegistration = _lifetime.ApplicationStopping.Register(() => BeginDrain());
        LogStarted(_settings.Dispatch.Endpoints.Count, string.Join(", ", _settings.Dispatch.Endpoints.Keys));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_system is null) return;
        var drained = await BeginDrain().ConfigureAwait(false);
        if (drained is null) LogDrainUnanswered(Settings.Shutdown.DrainTimeout.TotalSeconds);
        else LogDrained(drained.Completed, drained.Cancelled);
        await _system.Terminate().WaitAsync(StopMargin, CancellationToken.None).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stoppingRegistration.DisposeAsync().ConfigureAwait(false);
        if (_system is not null) await _system.Terminate().WaitAsync(StopMargin).ConfigureAwait(false);
        _metrics.Dispose();
    }

    private Task<DrainCompleted?> BeginDrain()
    {
        lock (_drainLock)
        {
            return _drain ??= DrainAsync();
        }
    }

    private async Task<DrainCompleted?> DrainAsync()
    {
        var timeout = Settings.Shutdown.DrainTimeout;
        LogDraining(timeout.TotalSeconds);
        try
        {
            return await _dispatch!.Ask<DrainCompleted>(new Drain(timeout), timeout + StopMargin).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Dispatch cannot start: {Reason}")]
    private partial void LogInvalidConfiguration(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dispatch started with {EndpointCount} endpoint(s): {Endpoints}")]
    private partial void LogStarted(int endpointCount, string endpoints);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dispatch is draining: no new calls; queued and in-flight calls get {DrainSeconds} s to finish")]
    private partial void LogDraining(double drainSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dispatch drained: {Completed} call(s) finished, {Cancelled} answered Cancelled")]
    private partial void LogDrained(int completed, int cancelled);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatch did not confirm its drain within {DrainSeconds} s plus the margin; stopping anyway")]
    private partial void LogDrainUnanswered(double drainSeconds);
}
