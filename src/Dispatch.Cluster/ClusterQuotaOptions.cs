using Dispatch.Core.Options;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster;

/// <summary>
/// How the nodes of an Akka.Cluster share each endpoint's quota (configuration path
/// <c>dispatch.cluster.quota</c>): an owner per endpoint leases blocks of request and token credits
/// to every node, which spends them locally. Every node must use the same values (and the same
/// endpoint limits), as the owner may move to any of them.
/// </summary>
public sealed record ClusterQuotaOptions
{
    /// <summary>The configuration path of this section.</summary>
    public const string Path = "dispatch.cluster.quota";

    /// <summary>The most request credits a lease grows to when <see cref="MaxLeaseRequests"/> is not set, whatever the limit.</summary>
    public const int LargestDefaultLease = 1000;

    /// <summary>The most request credits any lease may ask for.</summary>
    public const int LargestLease = 1_000_000;

    /// <summary>
    /// The cluster role of the nodes that host the quota owners and take leases (<c>role</c>).
    /// Default <c>dispatch</c>. Nodes without it (application nodes) neither own nor spend quota.
    /// </summary>
    public string Role { get; init; } = "dispatch";

    /// <summary>
    /// How long a node may spend a lease (<c>lease-span</c>). The owner counts an unpaced lease in full from its
    /// grant until its span ends, and a new owner waits one window plus this before granting, so a short
    /// span wastes less of a window; a long one costs fewer round trips. Default <see langword="null"/>: a
    /// twentieth of the endpoint's interval, which is also the most it can be; with smooth pacing (a paced lease counts
    /// by what its node can spend of it at its rate) a third of the interval, also the most.
    /// </summary>
    public TimeSpan? LeaseSpan { get; init; }

    /// <summary>
    /// Request credits a node asks for per lease at least (<c>min-lease-requests</c>): where a lease
    /// starts, and what an idle node's leases shrink back to. Default 4. The owner may grant fewer
    /// when fewer are free (never fewer than the call that asked needs).
    /// </summary>
    public int MinLeaseRequests { get; init; } = 4;

    /// <summary>
    /// Request credits a node asks for per lease at most (<c>max-lease-requests</c>): a busy node's
    /// leases grow up to it, so one node cannot hold much of a window others wait for. Default
    /// <see langword="null"/>: a quarter of the endpoint's request limit, at least <see cref="MinLeaseRequests"/>
    /// and at most <see cref="LargestDefaultLease"/>. A node asks for it only while it spends leases faster than
    /// their span (a backlog); otherwise its leases are sized to what it spends in one span.
    /// </summary>
    public int? MaxLeaseRequests { get; init; }

    /// <summary>
    /// How long a node waits for the owner's answer to a lease request (a grant, or word that the request
    /// waits in line) before it asks again (<c>request-timeout</c>); meanwhile it spends only what it holds.
    /// The owner sends that word once a request has waited half of this (most waits end sooner, with the grant
    /// alone); a request the owner has put in line is asked again after one window and one lease span more.
    /// Default 2 seconds.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Every invalid setting, each named by its full configuration path.</summary>
    public IReadOnlyList<string> GetErrors()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Role)) errors.Add($"{Path}.role must name a cluster role (was '{Role}')");
        if (LeaseSpan is { } span && span <= TimeSpan.Zero) errors.Add($"{Path}.lease-span must be a duration > 0 or null (was {span})");
        if (MinLeaseRequests is < 1 or > LargestLease) errors.Add($"{Path}.min-lease-requests must be between 1 and {LargestLease} (was {MinLeaseRequests})");
        if (MaxLeaseRequests is { } max && (max < Math.Max(1, MinLeaseRequests) || max > LargestLease))
            errors.Add($"{Path}.max-lease-requests must be null, or between min-lease-requests ({MinLeaseRequests}) and {LargestLease} (was {max})");
        if (RequestTimeout <= TimeSpan.Zero) errors.Add($"{Path}.request-timeout must be a duration > 0 (was {RequestTimeout})");
        return errors;
    }

    /// <summary>Throws <see cref="DispatchOptionsException"/> naming every invalid setting.</summary>
    /// <exception cref="DispatchOptionsException">A setting is invalid; the message names it by its configuration path.</exception>
    public void Validate()
    {
        var errors = GetErrors();
        if (errors.Count > 0) throw new DispatchOptionsException(errors);
    }

    /// <summary>
    /// The span of an endpoint's leases: <see cref="LeaseSpan"/>, at most a twentieth of its interval; with smooth pacing
    /// at most a third (a paced lease counts by what its node can spend of it, not in full over its span).
    /// </summary>
    internal TimeSpan SpanFor(RateLimitOptions limits)
    {
        var longest = limits.Pacing == RateLimitPacing.Smooth ? limits.Interval / 3 : UnpacedSpanFor(limits);
        return LeaseSpan is { } span && span < longest ? span : longest;
    }

    /// <summary>
    /// The span an unpaced lease of the endpoint would have: <see cref="LeaseSpan"/>, at most a twentieth of its interval. Also how
    /// often at most a node reports what it learned and how long a correction waits for a request to carry it, paced or not.
    /// </summary>
    internal TimeSpan UnpacedSpanFor(RateLimitOptions limits)
    {
        var longest = limits.Interval / 20;
        return LeaseSpan is { } span && span < longest ? span : longest;
    }

    /// <summary>The most request credits one lease of this endpoint asks for.</summary>
    internal int MaxLeaseFor(RateLimitOptions limits)
    {
        if (MaxLeaseRequests is { } max) return max;
        var quarter = limits.Requests is { } requests ? requests / 4 : LargestDefaultLease;
        return Math.Clamp(quarter, MinLeaseRequests, Math.Max(MinLeaseRequests, LargestDefaultLease));
    }
}
