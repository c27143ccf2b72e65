using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Configuration;
using Akka.Event;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Breaker;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Execution;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.Queue;
using Dispatch.Core.RateLimiting;
using Dispatch.Core.Retry;
using Dispatch.FakeUpstream;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Support;

/// <summary>
/// Dispatch nodes in one process, each its own actor system named <c>dispatch</c> with the
/// <c>dispatch</c> role, joined into one Akka.Cluster over Akka.Remote on 127.0.0.1 (free ports, the
/// first node the seed), each running a DispatchActor whose credits come from <see cref="ClusterQuota"/>.
/// </summary>
internal sealed class DispatchCluster : IAsyncDisposable
{
    public const string Api = "api";

    private readonly ITestOutputHelper _output;
    private readonly List<DispatchNode> _nodes = [];

    private DispatchCluster(ITestOutputHelper output) => _output = output;

    public IReadOnlyList<DispatchNode> Nodes => _nodes;

    /// <summary>Measures time for every node alike (the nodes share the machine's clock).</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>What held the process up while the cluster ran (garbage collections, a starved thread pool, late wakes).</summary>
    public RuntimeStalls Stalls { get; } = new();

    /// <summary>Starts <paramref name="count"/> nodes, the first alone (so it is the oldest and hosts the owners), then the rest, and waits until every node sees all of them up.</summary>
    public static async Task<DispatchCluster> StartAsync(int count, DispatchOptions options, ClusterQuotaOptions quota, ITestOutputHelper output)
    {
        var cluster = new DispatchCluster(output);
        var ports = FreePorts(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                cluster._nodes.Add(DispatchNode.Start($"node{i + 1}", ports[i], ports[0], options, quota, output));
                if (i == 0) await cluster.UntilAsync(() => cluster._nodes[0].UpMembers == 1, "the seed node is up");
            }

            await cluster.UntilAsync(() => cluster._nodes.All(n => n.UpMembers == count), $"all {count} nodes see each other up");
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>
    /// An endpoint on the upstream's echo route with this request limit per <paramref name="interval"/> (and the rate
    /// limit's <paramref name="guard"/>, null for the default, and its <paramref name="pacing"/>); no retries to speak of, a breaker that never opens.
    /// </summary>
    public static DispatchOptions Options(FakeUpstreamServer upstream, int requests, TimeSpan interval, TimeSpan? guard = null, RateLimitPacing pacing = RateLimitPacing.Smooth) => new()
    {
        Endpoints = new Dictionary<string, EndpointOptions>
        {
            [Api] = new EndpointOptions(Api, upstream.BaseUrl)
            {
                Path = "/v1/echo",
                RateLimit = new RateLimitOptions { Requests = requests, Interval = interval, Guard = guard, Pacing = pacing },
                Executor = new ExecutorOptions { Concurrency = 16 },
                Queue = new QueueOptions { Capacity = 10_000 },
                Retry = new RetryOptions { MaxAttempts = 5, BaseDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromSeconds(1), Jitter = RetryJitter.None },
                Breaker = new BreakerOptions { MaxFailures = 1_000_000 },
            },
        },
    };

    /// <summary>A call the upstream counts by id (1 token), optionally with a fault script (e.g. <c>429:2,ok</c>).</summary>
    public static APICalling Call(string id, string? faults = null)
    {
        var headers = new Dictionary<string, string> { [FakeUpstreamHeaders.CallId] = id, [FakeUpstreamHeaders.Tokens] = "1" };
        if (faults is not null) headers[FakeUpstreamHeaders.Fault] = faults;
        return new APICalling(id, Api, "{}") { Headers = headers, RequiredTokens = 1 };
    }

    /// <summary>Sends <paramref name="call"/> to <paramref name="node"/>; the result is stamped with <see cref="Clock"/> when it arrives.</summary>
    public Task<Finished> Send(DispatchNode node, APICalling call) =>
        node.Dispatch.Ask<APICallResult>(call).ContinueWith(
            t => new Finished(node.Name, t.Result, Clock.Elapsed, DateTimeOffset.UtcNow),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    /// <summary>
    /// Sends a few calls through every executor of every node (JIT, connections: a cold process delays its
    /// first requests by more than the rate limit's guard), waits until they have left every window and
    /// clears the upstream's counters, so what follows is measured warm.
    /// </summary>
    public async Task WarmUpAsync(FakeUpstreamServer upstream, TimeSpan interval)
    {
        var calls = Enumerable.Range(0, 32 * _nodes.Count).Select(i => Send(_nodes[i % _nodes.Count], Call($"warm-{i}")));
        await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(interval * 1.1);
        upstream.Reset();
    }

    /// <summary>
    /// Waits until every node's DistributedPubSub registry knows every other node's topics: subscriptions
    /// travel by gossip, and a pause published before they arrive misses those nodes. Each node subscribes
    /// a listener to a probe topic (after the quota's pause topic, so knowing a node's probe entry means
    /// knowing its pause entry too) and publishes its name there until every listener has heard every node.
    /// </summary>
    public async Task AwaitPubSubAsync()
    {
        const string topic = "test-probe";
        var heard = _nodes.Select(_ => new ConcurrentDictionary<string, bool>()).ToArray();
        for (var i = 0; i < _nodes.Count; i++)
        {
            var listener = _nodes[i].System.ActorOf(Props.Create(() => new Listener(heard[i])));
            await DistributedPubSub.Get(_nodes[i].System).Mediator.Ask<SubscribeAck>(new Subscribe(topic, listener), TimeSpan.FromSeconds(10));
        }

        var deadline = Clock.Elapsed + TimeSpan.FromSeconds(30);
        while (heard.Any(h => h.Count < _nodes.Count))
        {
            if (Clock.Elapsed > deadline) throw new TimeoutException("DistributedPubSub did not reach every node within 30s.");
            foreach (var node in _nodes) DistributedPubSub.Get(node.System).Mediator.Tell(new Publish(topic, node.Name));
            await Task.Delay(100);
        }
    }

    /// <summary>Waits (real time, polling) until <paramref name="condition"/> holds.</summary>
    public async Task UntilAsync(Func<bool> condition, string what, int seconds = 30)
    {
        var deadline = Clock.Elapsed + TimeSpan.FromSeconds(seconds);
        while (!condition())
        {
            if (Clock.Elapsed > deadline) throw new TimeoutException($"Timed out after {seconds}s waiting until {what}.");
            await Task.Delay(20);
        }
    }

    public void Log(string line) => _output.WriteLine($"[{Clock.Elapsed.TotalSeconds,7:F3}s] {line}");

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        Stalls.Dispose();
    }

    /// <summary>
    /// <paramref name="count"/> distinct free ports. The listeners are held open together while the ports are read: a
    /// port released before the next is picked can be picked again (two nodes on one port met in a fresh-clone run).
    /// </summary>
    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var listener in listeners) listener.Start();
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners) listener.Stop();
        }
    }
}

/// <summary>Notes which nodes' probe messages arrived.</summary>
internal sealed class Listener : ReceiveActor
{
    public Listener(ConcurrentDictionary<string, bool> heard) => Receive<string>(name => heard[name] = true);
}

/// <summary>A call's result as the test saw it arrive.</summary>
/// <param name="Node">The node the call was sent to.</param>
/// <param name="Result">Its one result.</param>
/// <param name="At">When it arrived, by the cluster's clock.</param>
/// <param name="WallClock">When it arrived, by the clock the actor systems' schedulers read.</param>
internal sealed record Finished(string Node, APICallResult Result, TimeSpan At, DateTimeOffset WallClock);

/// <summary>
/// One node: a cluster actor system, its <see cref="ClusterQuota"/> and a DispatchActor over it, drained by
/// <see cref="CoordinatedShutdown"/> in <c>service-requests-done</c> as a hosted node is.
/// </summary>
internal sealed class DispatchNode : IAsyncDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    private DispatchNode(string name, ActorSystem system, ClusterQuota quota, IActorRef dispatch)
    {
        Name = name;
        System = system;
        Quota = quota;
        Dispatch = dispatch;
        Cluster = Akka.Cluster.Cluster.Get(system);
    }

    public string Name { get; }

    public ActorSystem System { get; }

    public ClusterQuota Quota { get; }

    public IActorRef Dispatch { get; }

    public Akka.Cluster.Cluster Cluster { get; }

    public Address Address => Cluster.SelfAddress;

    public int UpMembers => Cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up);

    public bool IsTerminated => System.WhenTerminated.IsCompleted;

    public static DispatchNode Start(string name, int port, int seedPort, DispatchOptions options, ClusterQuotaOptions quota, ITestOutputHelper output)
    {
        var system = ActorSystem.Create("dispatch", Config(port, seedPort, "dispatch"));
        LogTo(system, name, output);
        var clusterQuota = ClusterQuota.Start(system, options, quota);
        var dispatch = system.ActorOf(DispatchActor.Props(options, new DispatchDependencies { CreditSourceFactory = clusterQuota.CreditSourceFactory }), "dispatch");
        system.ActorOf(StreamedCallReceiver.Props(dispatch), "dispatch" + StreamedCallReceiver.NameSuffix);
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceRequestsDone, "drain", async () =>
        {
            await dispatch.Ask<DrainCompleted>(new Drain(DrainTimeout), DrainTimeout + TimeSpan.FromSeconds(5));
            return Akka.Done.Instance;
        });
        return new DispatchNode(name, system, clusterQuota, dispatch);
    }

    /// <summary>Stops the node as a host does: <see cref="CoordinatedShutdown"/> drains its calls, returns its leases, leaves the cluster (handing the owners over) and terminates.</summary>
    public async Task LeaveAsync()
    {
        await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance).WaitAsync(TimeSpan.FromSeconds(60));
        await System.WhenTerminated.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A cluster member on 127.0.0.1:<paramref name="port"/> (0: any free port) with <paramref name="roles"/>, joining through the seed at <paramref name="seedPort"/>.</summary>
    public static Config Config(int port, int seedPort, string roles) => ConfigurationFactory.ParseString($$"""
        akka {
          loglevel = INFO
          stdout-loglevel = WARNING
          log-dead-letters = off
          actor.provider = cluster
          remote.dot-netty.tcp {
            hostname = 127.0.0.1
            port = {{port}}
          }
          cluster {
            seed-nodes = ["akka.tcp://dispatch@127.0.0.1:{{seedPort}}"]
            roles = [{{roles}}]
            # A lost node's singletons move once it is removed plus this margin (the split brain
            # resolver's wait); short here so a test of a lost owner stays short.
            split-brain-resolver.stable-after = 2s
          }
          # A node that is terminated drops out without leaving the cluster, as if its process died.
          coordinated-shutdown.run-by-actor-system-terminate = off
          coordinated-shutdown.phases.service-requests-done.timeout = 40s
          cluster.run-coordinated-shutdown-when-down = off
        }
        """);

    /// <summary>Copies the node's quota and warning log events into the test's output.</summary>
    public static void LogTo(ActorSystem system, string name, ITestOutputHelper output) =>
        system.EventStream.Subscribe(system.ActorOf(Props.Create(() => new OutputLogger(name, output)), "test-output"), typeof(LogEvent));

    /// <summary>Kills the node as a crashed process would go: no leaving, no hand-over.</summary>
    public Task CrashAsync() => System.Terminate();

    public async ValueTask DisposeAsync()
    {
        if (!IsTerminated) await System.Terminate().WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>Copies a node's Info-and-above log events into the test's output (quota owner moves, pauses, the proxy's re-sends).</summary>
    private sealed class OutputLogger : ReceiveActor
    {
        public OutputLogger(string node, ITestOutputHelper output)
        {
            Receive<LogEvent>(log =>
            {
                if (log.LogLevel() < LogLevel.InfoLevel || !(log.LogSource.Contains("quota", StringComparison.Ordinal) || log.LogSource.Contains("proxy", StringComparison.Ordinal) || log.LogLevel() >= LogLevel.WarningLevel)) return;
                try
                {
                    output.WriteLine($"{log.Timestamp:HH:mm:ss.fff} {node} {log.LogLevel()} {log.LogSource}: {log}");
                }
                catch (InvalidOperationException)
                {
                    // The test has finished; its output is closed.
                }
            });
        }
    }
}

/// <summary>Keeps the events of one type published on a node's event stream.</summary>
internal static class EventRecorder
{
    public static ConcurrentQueue<T> Start<T>(ActorSystem system)
    {
        var events = new ConcurrentQueue<T>();
        system.EventStream.Subscribe(system.ActorOf(Props.Create(() => new Recorder<T>(events))), typeof(T));
        return events;
    }

    private sealed class Recorder<T> : ReceiveActor
    {
        public Recorder(ConcurrentQueue<T> events) => Receive<T>(events.Enqueue);
    }
}

/// <summary>What the result timeline says.</summary>
internal static class Timeline
{
    /// <summary>The longest time between two consecutive results (in arrival order) among <paramref name="results"/>, and when it began.</summary>
    public static (TimeSpan Gap, TimeSpan From) LongestGap(IEnumerable<Finished> results)
    {
        var times = results.Select(r => r.At).Order().ToArray();
        var (gap, from) = (TimeSpan.Zero, TimeSpan.Zero);
        for (var i = 1; i < times.Length; i++)
        {
            if (times[i] - times[i - 1] > gap) (gap, from) = (times[i] - times[i - 1], times[i - 1]);
        }

        return (gap, from);
    }

    /// <summary>
    /// The share of the limit the run used: how soon a credit was used again. Under a binding limit the
    /// <c>k</c>-th and the <c>(k + limit)</c>-th result can be no closer than one interval; that distance is
    /// the cycle the limiter really kept, and interval / cycle is the rate as a share of the limit (1 for a
    /// limiter that wastes nothing, interval / (interval + guard) for the standalone ledger). The median
    /// cycle is what the mechanism keeps; the mean also counts the machine's hiccups (a garbage
    /// collection, a starved thread), which a loaded test machine has.
    /// </summary>
    public static (double Median, double Mean, TimeSpan LongestCycle) Utilisation(IEnumerable<TimeSpan> times, int limit, TimeSpan interval)
    {
        var sorted = times.Order().ToArray();
        var cycles = Enumerable.Range(0, sorted.Length - limit).Select(k => sorted[k + limit] - sorted[k]).Order().ToArray();
        var mean = TimeSpan.FromTicks((long)cycles.Average(c => c.Ticks));
        return (interval / cycles[cycles.Length / 2], interval / mean, cycles[^1]);
    }
}
