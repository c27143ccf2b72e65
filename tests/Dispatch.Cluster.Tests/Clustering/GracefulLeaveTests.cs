using System.Collections.Concurrent;
using Dispatch.Cluster.Protocol;
using Dispatch.Cluster.Tests.Support;
using Dispatch.Core.Protocol;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Clustering;

/// <summary>A node leaves the cluster gracefully (Akka's CoordinatedShutdown) while calls flow on every node.</summary>
[Collection(ClusterCollection.Name)]
public class GracefulLeaveTests(ITestOutputHelper output) : SharedUpstreamSpec
{
    /// <summary>
    /// The endpoint's window with <see cref="SharedUpstreamSpec.SafeGuard"/>: a node stopping in the same process (its
    /// remoting, its threads) stalls the others for a moment, past the default guard. The grants themselves are audited
    /// against this window, which does not depend on the machine.
    /// </summary>
    private static readonly TimeSpan Window = Interval + SafeGuard;
    private static readonly TimeSpan Span = Interval / 20;

    [Fact]
    public async Task When_the_owner_node_leaves_its_leases_go_back_and_the_next_owner_takes_its_window_over_without_waiting()
    {
        await using var cluster = await DispatchCluster.StartAsync(3, DispatchCluster.Options(Upstream, Limit, Interval, SafeGuard), new ClusterQuotaOptions(), output);
        var (leaving, staying) = (cluster.Nodes[0], cluster.Nodes.Skip(1).ToArray());
        var started = staying.Select(n => EventRecorder.Start<QuotaOwnerStarted>(n.System)).ToArray();
        var takenOver = staying.Select(n => EventRecorder.Start<QuotaHandOverTaken>(n.System)).ToArray();

        var (results, left, spent) = await RunAndLeaveAsync(cluster, leaving);

        var newOwner = started.SelectMany(e => e).Single();
        var taken = takenOver.SelectMany(e => e).Single();
        var firstGrant = spent.Where(s => s.Node != leaving.Name).Select(s => s.Spend.Start).Where(at => at > newOwner.StartedAt + Span).Min();
        var status = (await staying[0].Quota.GetStatusAsync(TimeSpan.FromSeconds(5))).Endpoints.Single();
        cluster.Log($"new owner {newOwner.Owner}: took over {taken.Leases} leases, granting from +{(taken.GrantingFrom - newOwner.StartedAt).TotalSeconds:F3}s after its start " +
                    $"(+{(newOwner.GrantingFrom - newOwner.StartedAt).TotalSeconds:F3}s without the hand-over); first grant +{(firstGrant - newOwner.StartedAt).TotalSeconds:F3}s; " +
                    $"longest gap between results {Timeline.LongestGap(results).Gap.TotalSeconds:F3}s; 429s {Upstream.Counters.Throttled}; busiest window {Upstream.Counters.MaxRequestsInWindow}/{Limit}");
        AssertAnsweredWithinTheLimit(results, spent);
        Assert.Equal(leaving.Address.ToString(), left.Owner);
        Assert.Equal(leaving.Address.ToString(), taken.From);
        Assert.Equal(newOwner.Owner, taken.Owner);
        Assert.Equal(newOwner.Owner, status.Owner);
        Assert.DoesNotContain(status.Leases, l => l.Node == leaving.Address.ToString());
        // Without the old window, nothing could have been granted before one window and one span after the start.
        Assert.True(firstGrant < newOwner.StartedAt + Window, $"first grant {(firstGrant - newOwner.StartedAt).TotalSeconds:F3}s after the new owner started");
    }

    [Fact]
    public async Task When_another_node_leaves_its_leases_go_back_to_the_owner_and_no_call_is_lost()
    {
        await using var cluster = await DispatchCluster.StartAsync(3, DispatchCluster.Options(Upstream, Limit, Interval, SafeGuard), new ClusterQuotaOptions(), output);
        var (owner, leaving) = (cluster.Nodes[0], cluster.Nodes[2]);

        var (results, left, spent) = await RunAndLeaveAsync(cluster, leaving);

        var status = (await owner.Quota.GetStatusAsync(TimeSpan.FromSeconds(5))).Endpoints.Single();
        cluster.Log($"{leaving.Name} left: its returns freed {left.FreedRequests} requests; 429s {Upstream.Counters.Throttled}; busiest window {Upstream.Counters.MaxRequestsInWindow}/{Limit}");
        AssertAnsweredWithinTheLimit(results, spent);
        Assert.Equal(owner.Address.ToString(), left.Owner);
        Assert.Equal(owner.Address.ToString(), status.Owner);
        Assert.DoesNotContain(status.Leases, l => l.Node == leaving.Address.ToString());
    }

    /// <summary>
    /// Calls on every node (the leaving node's own are sent before it leaves, and it drains them); once the run is
    /// under way, <paramref name="leaving"/> stops as a host does. Returns every result, the owner's confirmation
    /// that the leaving node's leases came back, and every credit spent on every node.
    /// </summary>
    private async Task<(Finished[] Results, QuotaLeft Left, (string Node, WindowAudit.Span Spend)[] Spent)> RunAndLeaveAsync(DispatchCluster cluster, DispatchNode leaving)
    {
        var left = EventRecorder.Start<QuotaLeft>(leaving.System);
        var staying = cluster.Nodes.Where(n => n != leaving).ToArray();
        await cluster.WarmUpAsync(Upstream, Interval);
        var spent = new ConcurrentQueue<(string, WindowAudit.Span)>();
        foreach (var node in cluster.Nodes)
            node.Quota.SourceOf(DispatchCluster.Api).Granted = (at, requests, tokens) => spent.Enqueue((node.Name, new WindowAudit.Span(at, at, requests, tokens)));

        var leavingCalls = Enumerable.Range(0, 200).Select(i => cluster.Send(leaving, DispatchCluster.Call($"leaving-{i}"))).ToArray();
        var stayingCalls = Enumerable.Range(0, 1600).Select(i => cluster.Send(staying[i % staying.Length], DispatchCluster.Call($"call-{i}"))).ToArray();
        await cluster.UntilAsync(() => Upstream.Counters.RequestsReceived >= 400, "the run is under way");
        cluster.Log($"{leaving.Name} leaves");
        await leaving.LeaveAsync();
        cluster.Log($"{leaving.Name} has left");

        var results = await Task.WhenAll(leavingCalls.Concat(stayingCalls)).WaitAsync(TimeSpan.FromSeconds(90));
        return (results, Assert.Single(left), spent.ToArray());
    }

    private void AssertAnsweredWithinTheLimit(Finished[] results, (string Node, WindowAudit.Span Spend)[] spent)
    {
        var (busiest, _) = WindowAudit.Peak(spent.Select(s => s.Spend).ToArray(), Window);
        output.WriteLine($"busiest window of credits spent, across the nodes: {busiest}/{Limit}");
        Assert.Equal(1800, results.Select(r => r.Result.CallId).Distinct().Count());
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Result.Status));
        Assert.InRange(busiest, 1, Limit);
        Assert.Equal(0, Upstream.Counters.Throttled);
        Assert.InRange(Upstream.Counters.MaxRequestsInWindow, 1, Limit);
    }
}
