namespace Dispatch.Cluster.Membership;

/// <summary>A live node as its last heartbeat described it.</summary>
/// <param name="Name">The node's name (<see cref="ClusterOptions.NodeName"/>).</param>
/// <param name="StartedAt">When the node started, on its own clock.</param>
/// <param name="LastSeen">When it last heartbeated, on its own clock.</param>
/// <param name="InFlight">Calls it was working on at that heartbeat.</param>
/// <param name="Endpoints">The endpoints it serves.</param>
public sealed record NodeInfo(string Name, DateTimeOffset StartedAt, DateTimeOffset LastSeen, long InFlight, IReadOnlyList<string> Endpoints);
