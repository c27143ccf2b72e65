using Dispatch.Core.RateLimiting;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Support;

/// <summary>
/// The base of the owner actor's specs: a cluster actor system that joins nothing (no other node is needed) with Akka's
/// TestScheduler as the clock; test probes stand for the nodes' lease clients.
/// </summary>
public abstract class OwnerActorSpec(ITestOutputHelper output)
    : Akka.TestKit.Xunit2.TestKit("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.scheduler.implementation = "Akka.TestKit.TestScheduler, Akka.TestKit"
        """, output)
{
    /// <summary>10 requests a second, unpaced: a lease may hold the whole limit (a paced one holds what its rate spends in a span).</summary>
    protected static readonly RateLimitOptions Limits = new() { Requests = 10, Interval = TimeSpan.FromSeconds(1), Pacing = RateLimitPacing.Burst };

    /// <summary>The lease span.</summary>
    protected static readonly TimeSpan Span = TimeSpan.FromMilliseconds(50);
}
