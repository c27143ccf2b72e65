using Dispatch.Hosting.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Display;
using Serilog.Formatting.Json;

namespace Dispatch.Hosting.Logging;

/// <summary>Builds the Serilog logger a node logs through: text on the console, optionally JSON lines in a daily rolling file, secrets masked in both.</summary>
public static class DispatchSerilog
{
    /// <summary>The line format: time, level, source, message, then the structured properties (CallId, Endpoint, ...).</summary>
    public const string OutputTemplate =
        "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {SourceContext}: {Message:lj} {Properties:j}{NewLine}{Exception}";

    /// <summary>Creates the logger.</summary>
    /// <param name="options">Level and file.</param>
    /// <param name="redactor">Secrets to mask.</param>
    /// <param name="console">Whether to write to the console at all.</param>
    /// <param name="consoleToStandardError">Whether console output goes to standard error (keeps standard output for a command's own output).</param>
    public static Serilog.Core.Logger Create(LoggingOptions options, SecretRedactor redactor, bool console = true, bool consoleToStandardError = false) =>
        Configure(new LoggerConfiguration(), options, redactor, console, consoleToStandardError).CreateLogger();

    /// <summary>Configures <paramref name="configuration"/> as <see cref="Create"/> does (e.g. inside Serilog.Extensions.Hosting's <c>AddSerilog</c>).</summary>
    /// <param name="configuration">The configuration to add levels and sinks to.</param>
    /// <param name="options">Level and file.</param>
    /// <param name="redactor">Secrets to mask.</param>
    /// <param name="console">Whether to write to the console at all.</param>
    /// <param name="consoleToStandardError">Whether console output goes to standard error.</param>
    public static LoggerConfiguration Configure(LoggerConfiguration configuration, LoggingOptions options, SecretRedactor redactor, bool console = true, bool consoleToStandardError = false)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        var level = ToSerilog(options.Level);
        configuration = configuration
            .MinimumLevel.Is(level)
            // The framework's own chatter (Kestrel, hosting) only when something is wrong or asked for.
            .MinimumLevel.Override("Microsoft", level > LogEventLevel.Warning ? level : LogEventLevel.Warning)
            .MinimumLevel.Override("System", level > LogEventLevel.Warning ? level : LogEventLevel.Warning)
            .Enrich.FromLogContext();
        if (console)
        {
            configuration = configuration.WriteTo.Console(
                new RedactingFormatter(new MessageTemplateTextFormatter(OutputTemplate), redactor),
                standardErrorFromLevel: consoleToStandardError ? LogEventLevel.Verbose : null);
        }

        if (options.File is { } file)
        {
            // The file is for machines: one JSON object per line, every property (CallId, Endpoint, ...) a field.
            configuration = configuration.WriteTo.File(
                new RedactingFormatter(new JsonFormatter(renderMessage: true), redactor),
                file,
                rollingInterval: RollingInterval.Day,
                shared: true);
        }

        return configuration;
    }

    internal static LogEventLevel ToSerilog(LogLevelSetting level) => level switch
    {
        LogLevelSetting.Verbose => LogEventLevel.Verbose,
        LogLevelSetting.Debug => LogEventLevel.Debug,
        LogLevelSetting.Warning => LogEventLevel.Warning,
        LogLevelSetting.Error => LogEventLevel.Error,
        LogLevelSetting.Fatal => LogEventLevel.Fatal,
        _ => LogEventLevel.Information,
    };
}
