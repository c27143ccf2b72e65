using Dispatch.Cli.Commands;
using Dispatch.Core.Options;
using Dispatch.Hocon;
using Dispatch.Hocon.Model;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.DependencyInjection;

namespace Dispatch.Cli.Run;

/// <summary>
/// Turns <c>dispatch run</c>'s flags into configuration overrides of one endpoint, above the
/// config file, so flags and files go through the same mapping and validation.
/// </summary>
internal sealed class RunConfiguration
{
    /// <summary>The endpoint a run without <c>--endpoint</c> defines from <c>--url</c>.</summary>
    public const string DefaultEndpoint = "default";

    private readonly List<(string[] Path, string? Value, string Origin)> _overrides = [];

    private RunConfiguration(string? configFile, string? endpoint)
    {
        ConfigFile = configFile;
        Endpoint = endpoint;
    }

    public string? ConfigFile { get; }

    /// <summary>The endpoint lines go to when they do not name one; <see langword="null"/> when every line must.</summary>
    public string? Endpoint { get; }

    /// <summary>Works out the run's endpoint and overrides, or says what is wrong with the flags.</summary>
    /// <exception cref="HoconException">The config file is malformed.</exception>
    public static RunConfiguration Create(RunOptions options, out string? error)
    {
        var probe = new DispatchConfigLoader();
        if (options.Config is not null) probe.AddFile(options.Config);
        var config = probe.LoadConfig();
        var configured = config.TryGetValue(EndpointOptions.EndpointsPath, out var value) && value is HoconObject obj
            ? obj.Keys.ToList()
            : [];

        var endpoint = options.Endpoint
            ?? (options.Url is not null ? DefaultEndpoint : configured.Count == 1 ? configured[0] : null);
        var run = new RunConfiguration(options.Config, endpoint);
        error = null;
        if (endpoint is null)
        {
            if (configured.Count == 0)
                error = "no endpoint to call: pass --url (the full request URL) or a --config that defines one";
            else if (HasEndpointFlags(options))
                error = $"say which endpoint the flags apply to with --endpoint (the configuration has {configured.Count}: {string.Join(", ", configured)})";
            return run;
        }

        if (options.Url is null && !configured.Contains(endpoint))
        {
            error = configured.Count == 0
                ? $"no endpoint to call: pass --url (the full request URL) or a --config that defines endpoint '{endpoint}'"
                : $"endpoint '{endpoint}' is not in the configuration (it has: {string.Join(", ", configured)}); pass --url to define it";
            return run;
        }

        if (options.Url is not null)
        {
            run.Set("base-url", options.Url, "--url");
            run.Set("path", "", "--url");
        }

        if (options.Method is not null) run.Set("method", options.Method.ToUpperInvariant(), "--method");
        foreach (var header in options.Headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                error = $"--header '{header}' must look like 'Name: value'";
                return run;
            }

            run._overrides.Add((["dispatch", "endpoints", endpoint, "headers", header[..colon].Trim()], header[(colon + 1)..].Trim(), "--header"));
        }

        if (options.ApiKeyEnv is not null)
        {
            // Every call would fail Authentication: refuse now, while one line can say why.
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(options.ApiKeyEnv)))
            {
                error = $"--api-key-env names the environment variable {options.ApiKeyEnv}, which is not set";
                return run;
            }

            run.Set("api-key-env", options.ApiKeyEnv, "--api-key-env");
        }
        if (options.LimitRequests is { } requests) run.Set("rate-limit.requests", Invariant(requests), "--limit-requests");
        if (options.LimitTokens is { } tokens) run.Set("rate-limit.tokens", Invariant(tokens), "--limit-tokens");
        if (options.Interval is not null)
        {
            if (!HoconUnits.TryParseDuration(options.Interval, out _))
            {
                error = $"--interval '{options.Interval}' is not a duration such as 1m, 10s or 200ms";
                return run;
            }

            run.Set("rate-limit.interval", options.Interval, "--interval");
        }

        if (PacingOptions.Check(options.Pacing, options.Burst) is { } invalid)
        {
            error = invalid;
            return run;
        }

        if (options.Pacing is not null) run.Set("rate-limit.pacing", options.Pacing, "--pacing");
        if (options.Burst is { } burst) run.Set("rate-limit.burst", Invariant(burst), "--burst");
        if (options.Concurrency is { } concurrency) run.Set("executor.concurrency", Invariant(concurrency), "--concurrency");
        if (options.MaxAttempts is { } attempts) run.Set("retry.max-attempts", Invariant(attempts), "--max-attempts");
        return run;
    }

    /// <summary>Applies the config file and the overrides to a node.</summary>
    public void Apply(DispatchBuilder builder)
    {
        if (ConfigFile is not null) builder.AddHoconFile(ConfigFile);
        foreach (var (path, value, origin) in _overrides) builder.Override(path, value, origin);
    }

    private static bool HasEndpointFlags(RunOptions o) =>
        o.Method is not null || o.Headers.Count > 0 || o.ApiKeyEnv is not null || o.LimitRequests is not null ||
        o.LimitTokens is not null || o.Interval is not null || o.Pacing is not null || o.Burst is not null || o.Concurrency is not null || o.MaxAttempts is not null;

    private static string Invariant(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void Set(string key, string value, string origin) =>
        _overrides.Add(([.. new[] { "dispatch", "endpoints", Endpoint! }, .. key.Split('.')], value, origin));
}
