using System.Net;

namespace Dispatch.Hosting.Configuration;

/// <summary>The minimum level of log events written.</summary>
public enum LogLevelSetting
{
    /// <summary>Everything, including the most detailed tracing.</summary>
    Verbose,

    /// <summary>Diagnostic detail.</summary>
    Debug,

    /// <summary>Normal operation: starts, stops, breaker changes. The default.</summary>
    Information,

    /// <summary>Something unexpected that Dispatch handled.</summary>
    Warning,

    /// <summary>A failure of one operation.</summary>
    Error,

    /// <summary>A failure of the node.</summary>
    Fatal,
}

/// <summary>Where and how much the node logs (configuration path <c>dispatch.logging</c>).</summary>
public sealed record LoggingOptions
{
    /// <summary>The configuration path of this section.</summary>
    public const string Path = "dispatch.logging";

    /// <summary>The minimum level written (<c>level</c>). Default <see cref="LogLevelSetting.Information"/>.</summary>
    public LogLevelSetting Level { get; init; } = LogLevelSetting.Information;

    /// <summary>A log file, rolled daily (<c>file</c>); <see langword="null"/> (the default) logs to the console only.</summary>
    public string? File { get; init; }

    internal void Check(List<string> errors)
    {
        if (!Enum.IsDefined(Level))
            errors.Add($"{Path}.level must be one of {string.Join(", ", Enum.GetNames<LogLevelSetting>()).ToLowerInvariant()} (was {Level})");
        if (File is { } file && (file.Length == 0 || file.IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0))
            errors.Add($"{Path}.file must be a file path or null (was '{file}')");
    }
}

/// <summary>The HTTP ingress other programs submit calls through (configuration path <c>dispatch.ingress</c>).</summary>
public sealed record IngressOptions
{
    /// <summary>The configuration path of this section.</summary>
    public const string Path = "dispatch.ingress";

    /// <summary>Whether the node accepts calls over HTTP (<c>enabled</c>). Default <see langword="false"/>.</summary>
    public bool Enabled { get; init; }

    /// <summary>
    /// The IP address it listens on (<c>bind</c>). A loopback address (the default, <c>127.0.0.1</c>) serves
    /// programs on this machine only; any other (e.g. <c>0.0.0.0</c> in a container) also accepts callers from
    /// other machines, still only with the bearer token, over plain HTTP: keep such a node on a private network
    /// or behind a TLS proxy.
    /// </summary>
    public string Bind { get; init; } = "127.0.0.1";

    /// <summary>Whether callers from other machines are accepted: <see cref="Bind"/> is an address other than loopback.</summary>
    public bool AcceptsRemoteCallers => IPAddress.TryParse(Bind, out var address) && !IPAddress.IsLoopback(address);

    /// <summary>The port it listens on (<c>port</c>); 0 picks a free one. Default 8780.</summary>
    public int Port { get; init; } = 8780;

    /// <summary>The environment variable holding the bearer token callers must send (<c>token-env</c>). Default <c>DISPATCH_INGRESS_TOKEN</c>.</summary>
    public string TokenEnv { get; init; } = "DISPATCH_INGRESS_TOKEN";

    internal void Check(List<string> errors)
    {
        if (!IPAddress.TryParse(Bind, out _))
            errors.Add($"{Path}.bind must be an IP address such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface) (was '{Bind}')");
        if (Port is < 0 or > 65535)
            errors.Add($"{Path}.port must be 0 (any free port) or a port in 1-65535 (was {Port})");
        if (string.IsNullOrEmpty(TokenEnv) || !TokenEnv.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            errors.Add($"{Path}.token-env must be the name of an environment variable (letters, digits, '_'), not the token itself");
    }
}

/// <summary>How the node stops (configuration path <c>dispatch.shutdown</c>).</summary>
public sealed record ShutdownOptions
{
    /// <summary>The configuration path of this section.</summary>
    public const string Path = "dispatch.shutdown";

    /// <summary>
    /// How long queued and in-flight calls get to finish when the node stops (<c>drain-timeout</c>);
    /// the rest are answered Cancelled. Default 30 seconds.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    internal void Check(List<string> errors)
    {
        if (DrainTimeout < TimeSpan.Zero)
            errors.Add($"{Path}.drain-timeout must be a duration >= 0 (was {DrainTimeout})");
    }
}
