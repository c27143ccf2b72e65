namespace Dispatch.Cluster.Protocol;

/// <summary>
/// Lease client → owner: a 429 on this node asked for no requests for <paramref name="For"/>
/// (a duration, so the clocks of the two machines need not agree).
/// </summary>
/// <param name="Endpoint">The endpoint to pause.</param>
/// <param name="For">How long from now.</param>
internal sealed record ReportPause(string Endpoint, TimeSpan For) : IQuotaMessage;

/// <summary>
/// Owner → every lease client it knows: grant nothing for <paramref name="For"/>. The owner itself
/// grants no lease until then.
/// </summary>
/// <param name="Endpoint">The paused endpoint.</param>
/// <param name="For">How long from now.</param>
internal sealed record EndpointPaused(string Endpoint, TimeSpan For) : IQuotaMessage;
