using Akka.Actor;
using Akka.Configuration;
using Dispatch.Cluster;
using Dispatch.Core.Breaker;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Execution;
using Dispatch.Core.Options;
using Dispatch.Core.Queue;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Benchmarks.Cluster;

/// <summary>
/// The systems a cluster benchmark calls through: either one standalone actor system (no cluster), or
/// <c>n</c> actor systems named <c>dispatch</c> in this process, joined into one Akka.Cluster over
/// Akka.Remote on 127.0.0.1 (ports the system picks, the first node the seed and so the quota owner's node), each with a
/// <see cref="ClusterQuota"/> and a DispatchActor over it.
/// </summary>
internal sealed class BenchNodes : IAsyncDisposable
{
    public const string Api = "api";

    private readonly List<ActorSystem> _systems = [];
    private readonly List<ClusterQuota> _quotas = [];

    private BenchNodes()
    {
    }

    /// <summary>One client per node, in start order.</summary>
    public List<DispatchClient> Clients { get; } = [];

    /// <summary>The quota of each node (empty when standalone).</summary>
    public IReadOnlyList<ClusterQuota> Quotas => _quotas;

    /// <summary>An endpoint on the upstream's echo route, <paramref name="requests"/> per <paramref name="interval"/> with <paramref name="pacing"/>, <paramref name="concurrency"/> executors, no retries to speak of.</summary>
    public static DispatchOptions Options(string upstream, int requests, TimeSpan interval, int concurrency, RateLimitPacing pacing = RateLimitPacing.Smooth) => new()
    {
        Endpoints = new Dictionary<string, EndpointOptions>
        {
            [Api] = new EndpointOptions(Api, upstream)
            {
                Path = "/v1/echo",
                RateLimit = new RateLimitOptions { Requests = requests, Interval = interval, Pacing = pacing },
                Executor = new ExecutorOptions { Concurrency = concurrency },
                Queue = new QueueOptions { Capacity = 1_000_000 },
                Breaker = new BreakerOptions { MaxFailures = 1_000_000 },
            },
        },
    };

    /// <summary>One actor system without a cluster: the endpoint's own rate limiter keeps the limit.</summary>
    public static BenchNodes Standalone(DispatchOptions options)
    {
        var nodes = new BenchNodes();
        var system = ActorSystem.Create("dispatch", ConfigurationFactory.ParseString(Quiet));
        nodes.Add(system, DispatchActor.Props(options, new DispatchDependencies()));
        return nodes;
    }

    /// <summary>Starts <paramref name="count"/> cluster nodes (the first alone, so it is the oldest and owns the quota) and waits until each sees all of them up.</summary>
    public static async Task<BenchNodes> JoinAsync(int count, DispatchOptions options, ClusterQuotaOptions quota)
    {
        var nodes = new BenchNodes();
        Address? seed = null;
        for (var i = 0; i < count; i++)
        {
            var system = ActorSystem.Create("dispatch", ConfigurationFactory.ParseString($$"""
                {{Quiet}}
                akka.actor.provider = cluster
                akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
                akka.cluster.roles = [dispatch]
                """));
            seed ??= Akka.Cluster.Cluster.Get(system).SelfAddress;
            Akka.Cluster.Cluster.Get(system).Join(seed);
            var clusterQuota = ClusterQuota.Start(system, options, quota);
            nodes._quotas.Add(clusterQuota);
            nodes.Add(system, DispatchActor.Props(options, new DispatchDependencies { CreditSourceFactory = clusterQuota.CreditSourceFactory }));
            if (i == 0) await nodes.UntilUpAsync(1);
        }

        await nodes.UntilUpAsync(count);
        return nodes;
    }

    /// <summary>The quota messages every node's lease client exchanged with the owner so far: all of them, and those of the nodes other than the owner's (the ones that cross the network).</summary>
    public async Task<QuotaMessages> QuotaMessagesAsync()
    {
        if (_quotas.Count == 0) return default;
        var status = await _quotas[0].GetStatusAsync(TimeSpan.FromSeconds(10));
        var owner = status.Endpoints.Single().Owner;
        long all = 0, remote = 0, grants = 0, deferrals = 0, loneReturns = 0;
        for (var i = 0; i < _quotas.Count; i++)
        {
            var traffic = _quotas[i].SourceOf(Api).Traffic;
            var messages = traffic.Sent + traffic.Received;
            all += messages;
            (grants, deferrals, loneReturns) = (grants + traffic.Grants, deferrals + traffic.Deferrals, loneReturns + traffic.LoneReturns);
            if (Akka.Cluster.Cluster.Get(_systems[i]).SelfAddress.ToString() != owner) remote += messages;
        }

        return new QuotaMessages(all, remote, grants, deferrals, loneReturns);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in Clients) client.Dispose();
        // The youngest first, each leaving the cluster (Akka's coordinated shutdown) before the next goes.
        for (var i = _systems.Count - 1; i >= 0; i--) await _systems[i].Terminate().WaitAsync(TimeSpan.FromSeconds(30));
    }

    private const string Quiet = """
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.log-dead-letters = off
        akka.log-dead-letters-during-shutdown = off
        akka.remote.log-remote-lifecycle-events = off
        """;

    private void Add(ActorSystem system, Props dispatch)
    {
        _systems.Add(system);
        Clients.Add(new DispatchClient(system, system.ActorOf(dispatch, "dispatch")));
    }

    private async Task UntilUpAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!_systems.All(s => Akka.Cluster.Cluster.Get(s).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == count))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{count} cluster nodes did not all see each other up within 60 s.");
            await Task.Delay(20);
        }
    }
}

/// <summary>Quota messages between the nodes' lease clients and the owner, so far.</summary>
/// <param name="All">Every message.</param>
/// <param name="Remote">Those of the nodes other than the owner's (they cross the network).</param>
/// <param name="Grants">Leases granted.</param>
/// <param name="Deferrals">Word that a request waits in line.</param>
/// <param name="LoneReturns">Returns sent without a lease request to carry them.</param>
internal readonly record struct QuotaMessages(long All, long Remote, long Grants, long Deferrals, long LoneReturns);
