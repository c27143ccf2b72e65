namespace Dispatch.Hosting.Tests.Support;

/// <summary>
/// Tests that read a node's <c>GET /metrics</c> run alone, after the others. OpenTelemetry's meter provider listens to
/// every meter named <c>Dispatch</c> in the process, and an instrument it first saw on another test's host is one
/// stream with this node's: when that host stops, the stream goes, and this node's figures with it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsScrapes
{
    /// <summary>The collection's name.</summary>
    public const string Name = "metrics scrapes";
}
