using System.Collections.Concurrent;
using Akka.Event;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using Dispatch.Hosting.DependencyInjection;
using Dispatch.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dispatch.Hosting.Tests.Logging;

public sealed class HostLoggingTests
{
    [Fact]
    public async Task Without_serilog_akkas_log_events_go_to_the_hosts_own_logging_providers()
    {
        var captured = new CapturingProvider();
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddProvider(captured);
        builder.Services.AddDispatch(d =>
        {
            TestNode.Isolate(d);
            d.UseSerilog = false;
        });
        using var host = builder.Build();
        await host.StartAsync();

        host.System().Log.Info("marker-for-the-host-providers");

        await TestNode.Eventually(() => captured.Messages.Any(m => m.Contains("marker-for-the-host-providers", StringComparison.Ordinal)), "the Akka event reaches the host's provider");
        await host.StopAsync();
    }

    private sealed class CapturingProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Capturing(Messages);

        public void Dispose()
        {
        }

        private sealed class Capturing(ConcurrentQueue<string> messages) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue(formatter(state, exception));
        }
    }
}
