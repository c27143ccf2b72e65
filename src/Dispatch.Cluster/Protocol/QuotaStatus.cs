namespace Dispatch.Cluster.Protocol;

/// <summary>Asks an endpoint's owner for its <see cref="EndpointQuotaStatus"/> (through the endpoint's singleton proxy).</summary>
/// <param name="Endpoint">The endpoint.</param>
public sealed record GetQuotaStatus(string Endpoint) : IQuotaMessage;

/// <summary>An endpoint's quota as its owner sees it.</summary>
/// <param name="Endpoint">The endpoint.</param>
/// <param name="Owner">The address of the node hosting the owner; <see langword="null"/> when no owner answered.</param>
/// <param name="GrantingFrom">When this owner may grant (its start plus one window and one lease span), by the owner's clock.</param>
/// <param name="PausedUntil">When a 429's pause ends, by the owner's clock, if one is in force.</param>
/// <param name="RequestsInWindow">Request credits the leases still in the window count (used ones, and live ones in full).</param>
/// <param name="TokensInWindow">Token credits the leases still in the window count.</param>
/// <param name="Leases">Per node, the credits of its leases still being spent (granted, not returned, span not over).</param>
/// <param name="RequestLimit">The configured request limit; <see langword="null"/> when unlimited or no owner answered.</param>
/// <param name="RequestLimitInForce">The request limit the owner grants from: lower than the configured one when learned from what the nodes saw of the provider.</param>
/// <param name="TokenLimit">The configured token limit; <see langword="null"/> when unlimited or no owner answered.</param>
/// <param name="TokenLimitInForce">The token limit the owner grants from.</param>
public sealed record EndpointQuotaStatus(
    string Endpoint,
    string? Owner,
    DateTimeOffset? GrantingFrom,
    DateTimeOffset? PausedUntil,
    long RequestsInWindow,
    long TokensInWindow,
    NodeLease[] Leases,
    long? RequestLimit = null,
    long? RequestLimitInForce = null,
    long? TokenLimit = null,
    long? TokenLimitInForce = null) : IQuotaMessage;

/// <summary>The credits of one node's live leases of an endpoint.</summary>
/// <param name="Node">The node's address, e.g. <c>akka.tcp://dispatch@127.0.0.1:4053</c>.</param>
/// <param name="Requests">Request credits granted to it and not yet returned.</param>
/// <param name="Tokens">Token credits granted to it and not yet returned.</param>
public sealed record NodeLease(string Node, long Requests, long Tokens);

/// <summary>Every endpoint's quota across the cluster, for the cluster section of <c>GET /v1/status</c>.</summary>
/// <param name="Endpoints">One entry per endpoint, in name order.</param>
public sealed record ClusterQuotaStatus(IReadOnlyList<EndpointQuotaStatus> Endpoints);

/// <summary>Published on the owner node's event stream when an endpoint's owner starts (first start, or after a change of owner).</summary>
/// <param name="Endpoint">The endpoint.</param>
/// <param name="Owner">The address of the node hosting the owner.</param>
/// <param name="StartedAt">When it started, by that node's clock.</param>
/// <param name="GrantingFrom">When it may grant: one window plus one lease span later, so no lease of an earlier owner can share a window with its grants.</param>
public sealed record QuotaOwnerStarted(string Endpoint, string Owner, DateTimeOffset StartedAt, DateTimeOffset GrantingFrom);

/// <summary>
/// Published on the new owner's node's event stream when an owner takes over its predecessor's window on a graceful
/// hand-over, and so may grant from <paramref name="GrantingFrom"/> instead of one window and one lease span after its start.
/// </summary>
/// <param name="Endpoint">The endpoint.</param>
/// <param name="Owner">The address of the node hosting the new owner.</param>
/// <param name="From">The address of the node the old owner ran on.</param>
/// <param name="Leases">How many leases of the old window came over.</param>
/// <param name="GrantingFrom">When the new owner may grant, by its node's clock.</param>
public sealed record QuotaHandOverTaken(string Endpoint, string Owner, string From, int Leases, DateTimeOffset GrantingFrom);
