using Dispatch.Actors;
using Dispatch.Cluster;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;

namespace Dispatch.Benchmarks.Cluster;

/// <summary>
/// One Dispatch node in this process: its own actor system and DispatchActor, and in cluster mode its own
/// <see cref="ClusterNode"/> wired as its README says. Standalone, a call is an Ask of the DispatchActor;
/// in cluster mode, a submission to the cluster (any node may run it).
/// </summary>
internal sealed class BenchNode : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly IActorRef _dispatch;

    private BenchNode(ActorSystem system, IActorRef dispatch, ClusterNode? cluster)
    {
        _system = system;
        _dispatch = dispatch;
        Cluster = cluster;
    }

    /// <summary>The cluster node; null when standalone.</summary>
    public ClusterNode? Cluster { get; }

    public static BenchNode Standalone(DispatchOptions options)
    {
        var system = ActorSystem.Create("standalone", ActorSystemSettings.Default with { LogDeadLetters = false });
        var dispatch = system.ActorOf(DispatchActor.Props(options, new DispatchDependencies { Random = new Random(1) }), "dispatch");
        return new BenchNode(system, dispatch, null);
    }

    public static async Task<BenchNode> ClusterAsync(DispatchOptions options, ClusterOptions clusterOptions)
    {
        var system = ActorSystem.Create(clusterOptions.NodeName, ActorSystemSettings.Default with { LogDeadLetters = false });
        var node = new ClusterNode(clusterOptions, options);
        var dispatch = system.ActorOf(DispatchActor.Props(options, new DispatchDependencies { Random = new Random(1), CreditSourceFactory = node.CreditSourceFactory }), "dispatch");
        await node.StartAsync((call, ct) => dispatch.Ask<APICallResult>(call, Timeout.InfiniteTimeSpan, ct));
        return new BenchNode(system, dispatch, node);
    }

    /// <summary>Runs one call to its final result; a failed call fails the benchmark.</summary>
    public async Task CallAsync(APICalling call)
    {
        var result = Cluster is null
            ? await _dispatch.Ask<APICallResult>(call, Timeout.InfiniteTimeSpan).ConfigureAwait(false)
            : await Cluster.SubmitAsync(call).ConfigureAwait(false);
        if (!result.IsSuccess) throw new InvalidOperationException($"call {call.CallId} failed: {result.Status} {result.Error} {result.ErrorMessage}");
    }

    /// <summary>Commands sent to Redis: by the shared budget, and by the node in all (budget, work queue, membership).</summary>
    public (long Budget, long Total) RedisCommands => Cluster is null ? (0, 0) : (Cluster.Budget.CommandsSent, Cluster.RedisCommandsSent);

    public async ValueTask DisposeAsync()
    {
        if (Cluster is not null) await Cluster.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await _system.Terminate().ConfigureAwait(false);
    }
}
