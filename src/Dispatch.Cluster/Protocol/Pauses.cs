namespace Dispatch.Cluster.Protocol;

/// <summary>
/// A 429 on some node asked for no requests to this endpoint for <paramref name="For"/> (a duration, so
/// the clocks of the machines need not agree). Published by that node on the endpoint's pause topic
/// (<see cref="ClusterQuota.PauseTopic"/>, Akka's DistributedPubSub), to which every lease client and the
/// owner subscribe: every node grants nothing until then, and the owner grants no lease. The owner also
/// tells a node that asks for a lease during a pause, in case the node missed it.
/// </summary>
/// <param name="Endpoint">The paused endpoint.</param>
/// <param name="For">How long from now.</param>
internal sealed record EndpointPaused(string Endpoint, TimeSpan For) : IQuotaMessage;
