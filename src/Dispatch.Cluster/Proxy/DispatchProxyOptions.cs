using Dispatch.Core.Options;

namespace Dispatch.Cluster.Proxy;

/// <summary>
/// How a <see cref="DispatchProxy"/> finds the cluster's <c>dispatch</c> nodes and what it does while none is up.
/// Plain values with documented defaults; <see cref="Validate"/> names a wrong one.
/// </summary>
public sealed record DispatchProxyOptions
{
    /// <summary>Where a node's configuration sets these (<c>dispatch.cluster.proxy</c>); validation errors name its keys.</summary>
    public const string Path = "dispatch.cluster.proxy";

    /// <summary>
    /// The cluster role of the nodes that run the pipeline and take calls. Default <c>dispatch</c>, as
    /// <see cref="ClusterQuotaOptions.Role"/> (use the same value).
    /// </summary>
    public string Role { get; init; } = "dispatch";

    /// <summary>
    /// Where the <c>DispatchActor</c> runs on each of those nodes, from the root of the node's address.
    /// Default <c>/user/dispatch</c> (where Dispatch.Hosting starts it).
    /// </summary>
    public string DispatchPath { get; init; } = "/user/dispatch";

    /// <summary>
    /// The most calls held while no <c>dispatch</c> node is ready to take them; a call beyond it is answered
    /// <c>Rejected</c>/<c>QueueFull</c> at once. Default 10,000.
    /// </summary>
    public int MaxWaitingCalls { get; init; } = 10_000;

    /// <summary>
    /// The header every call sent through the proxy carries with its call id, so a provider that honours it can drop
    /// the second send of a call re-sent after its node was lost (the first send must carry it too for that).
    /// A header the caller set itself is kept. Default <c>Idempotency-Key</c>; <see langword="null"/> adds none.
    /// </summary>
    public string? IdempotencyKeyHeader { get; init; } = "Idempotency-Key";

    /// <summary>
    /// How often a new <c>dispatch</c> node is asked again for its <c>DispatchActor</c> while it has none yet
    /// (the node joined before its pipeline started). Default 1 second.
    /// </summary>
    public TimeSpan IdentifyInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long <c>GetStatus</c> through the proxy waits for each node's answer; one that is later is left out. Default 5 seconds.</summary>
    public TimeSpan StatusTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Every invalid setting, each named.</summary>
    public IReadOnlyList<string> GetErrors()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Role)) errors.Add($"DispatchProxyOptions.Role must name a cluster role (was '{Role}')");
        if (string.IsNullOrWhiteSpace(DispatchPath) || !DispatchPath.StartsWith('/'))
            errors.Add($"DispatchProxyOptions.DispatchPath must be an actor path from the root, e.g. /user/dispatch (was '{DispatchPath}')");
        if (MaxWaitingCalls < 0) errors.Add($"{Path}.max-waiting-calls must be >= 0 (was {MaxWaitingCalls})");
        if (IdempotencyKeyHeader is { } header && string.IsNullOrWhiteSpace(header))
            errors.Add($"{Path}.idempotency-key-header must be a header name or null (was empty)");
        if (IdentifyInterval <= TimeSpan.Zero) errors.Add($"{Path}.identify-interval must be > 0 (was {IdentifyInterval})");
        if (StatusTimeout <= TimeSpan.Zero) errors.Add($"{Path}.status-timeout must be > 0 (was {StatusTimeout})");
        return errors;
    }

    /// <summary>Throws <see cref="DispatchOptionsException"/> naming every invalid setting.</summary>
    /// <exception cref="DispatchOptionsException">A setting is invalid.</exception>
    public void Validate()
    {
        var errors = GetErrors();
        if (errors.Count > 0) throw new DispatchOptionsException(errors);
    }
}
