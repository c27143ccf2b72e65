using System.Collections.Concurrent;
using Dispatch.Cluster.Protocol;
using Dispatch.Cluster.Tests.Support;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Clustering;

/// <summary>The node hosting the quota's owner dies mid-run, without leaving the cluster.</summary>
[Collection(ClusterCollection.Name)]
public class OwnerLossTests(ITestOutputHelper output) : SharedUpstreamSpec
{
    private static readonly TimeSpan Window = Interval + SafeGuard;
    /// <summary>A lease's span with smooth pacing (the default): the dead owner's last leases are spent until then.</summary>
    private static readonly TimeSpan Span = Interval / 3;

    [Fact]
    public async Task When_the_owner_node_dies_the_others_finish_their_calls_without_a_429_after_a_stall_of_one_window()
    {
        await using var cluster = await DispatchCluster.StartAsync(3, DispatchCluster.Options(Upstream, Limit, Interval, SafeGuard), new ClusterQuotaOptions(), output);
        var (doomed, survivors) = (cluster.Nodes[0], cluster.Nodes.Skip(1).ToArray());
        var started = survivors.Select(n => EventRecorder.Start<QuotaOwnerStarted>(n.System)).ToArray();
        var grants = new ConcurrentQueue<DateTimeOffset>();
        foreach (var node in survivors) node.Quota.SourceOf(DispatchCluster.Api).Granted = (at, _, _) => grants.Enqueue(at);
        await cluster.WarmUpAsync(Upstream, Interval);

        _ = Enumerable.Range(0, 300).Select(i => cluster.Send(doomed, DispatchCluster.Call($"doomed-{i}"))).ToArray();
        var calls = Enumerable.Range(0, 1200).Select(i => cluster.Send(survivors[i % 2], DispatchCluster.Call($"call-{i}"))).ToArray();
        await cluster.UntilAsync(() => Upstream.Counters.RequestsReceived >= 400, "the run is under way");
        var killedAt = DateTimeOffset.UtcNow;
        await doomed.CrashAsync();
        survivors[0].Cluster.Down(doomed.Address);
        cluster.Log($"{doomed.Name} (the owner) killed and downed");

        var results = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(90));

        var newOwner = started.SelectMany(e => e).Single();
        var afterKill = grants.Where(g => g > killedAt + Span).Order().ToArray();
        var firstGrant = afterKill.First();
        var (gap, _) = Timeline.LongestGap(results);
        cluster.Log($"new owner {newOwner.Owner} started {(newOwner.StartedAt - killedAt).TotalSeconds:F3}s after the kill, granting from +{(newOwner.GrantingFrom - killedAt).TotalSeconds:F3}s; " +
                    $"first grant +{(firstGrant - killedAt).TotalSeconds:F3}s; longest gap between results {gap.TotalSeconds:F3}s; 429s {Upstream.Counters.Throttled}; busiest window {Upstream.Counters.MaxRequestsInWindow}/{Limit}");
        Assert.All(results, r => Assert.Equal(CallStatus.Completed, r.Result.Status));
        Assert.True(Upstream.Counters.Throttled == 0, $"{Upstream.Counters.Throttled} calls met a 429; {cluster.Stalls.Summary}");
        Assert.InRange(Upstream.Counters.MaxRequestsInWindow, 1, Limit);
        Assert.Contains(newOwner.Owner, survivors.Select(n => n.Address.ToString()));
        // Safe: after the dead owner's last leases ran out, nothing was granted before the new owner could prove it safe.
        Assert.True(firstGrant >= newOwner.GrantingFrom, $"granted at {firstGrant:HH:mm:ss.fff}, before {newOwner.GrantingFrom:HH:mm:ss.fff}");
        // Live: once it could, it granted within one window.
        Assert.True(firstGrant - newOwner.GrantingFrom <= Window, $"first grant {(firstGrant - newOwner.GrantingFrom).TotalSeconds:F3}s after the new owner could grant");
    }
}
