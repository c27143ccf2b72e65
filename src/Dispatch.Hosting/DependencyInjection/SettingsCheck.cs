using Dispatch.Hocon;
using Dispatch.Hosting.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dispatch.Hosting.DependencyInjection;

/// <summary>
/// Loads and validates the node's settings when the host starts, before the actor system does, and runs
/// the builder's start checks (e.g. the ingress token): a bad setting stops the host with an exception
/// naming it and where it was written, logged as critical.
/// </summary>
internal sealed partial class SettingsCheck(IServiceProvider services, DispatchBuilder builder) : IHostedService
{
    private readonly ILogger _log = services.GetRequiredService<ILoggerFactory>().CreateLogger("Dispatch.Hosting");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var settings = services.GetRequiredService<DispatchSettings>();
            foreach (var check in builder.StartChecks) check(services, settings);
        }
        catch (Exception e) when (e is HoconException or Core.Options.DispatchOptionsException or IOException)
        {
            LogInvalidConfiguration(e.Message);
            throw;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Critical, Message = "Dispatch cannot start: {Reason}")]
    private partial void LogInvalidConfiguration(string reason);
}
