using Dispatch.Actors;
using Dispatch.Cluster;
using Dispatch.Cluster.Redis;
using Dispatch.Cluster.Work;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.Hosting.Configuration;
using Dispatch.Hosting.Registry;
using Dispatch.Hosting.Submission;
using Microsoft.Extensions.Logging;

namespace Dispatch.Hosting.ClusterMode;

/// <summary>
/// A hosted node's membership of its cluster: the <see cref="ClusterNode"/>, started with a handler that Asks the
/// node's pipeline, and left in order when the node drains.
/// </summary>
internal sealed partial class HostedCluster
{
    private static readonly TimeSpan WaitingPoll = TimeSpan.FromMilliseconds(50);

    private readonly CallSubmitter _submitter;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    private HostedCluster(ClusterNode node, CallSubmitter submitter, TimeProvider time, ILogger log)
    {
        Node = node;
        _submitter = submitter;
        _time = time;
        _log = log;
    }

    /// <summary>The cluster node.</summary>
    public ClusterNode Node { get; }

    /// <summary>Creates the node from the settings; nothing touches Redis yet.</summary>
    public static HostedCluster Create(DispatchSettings settings, Func<string, string?> environment, TimeProvider time, CallSubmitter submitter, ILoggerFactory loggers)
    {
        var options = settings.Cluster.Resolve(environment, time);
        return new HostedCluster(new ClusterNode(options, settings.Dispatch, loggers), submitter, time, loggers.CreateLogger("Dispatch.Cluster"));
    }

    /// <summary>The pipeline's dependencies with this node's shared budget as the source of credits.</summary>
    public DispatchDependencies WithSharedCredits(DispatchDependencies? dependencies) =>
        (dependencies ?? new DispatchDependencies()) with { CreditSourceFactory = Node.CreditSourceFactory };

    /// <summary>
    /// Starts taking calls from the cluster for <paramref name="dispatch"/>, routes the node's submissions to the
    /// cluster, and registers the actor local callers Tell calls to (<see cref="ClusterSubmitActor"/>).
    /// </summary>
    public async Task StartAsync(ActorSystem system, IActorRef dispatch, IActorRegistry registry, CancellationToken cancellationToken)
    {
        // No ask timeout: the pipeline answers every call (deadlines included); a timed-out Ask would be a second answer.
        await Node.StartAsync((call, token) => dispatch.Ask<APICallResult>(call, Timeout.InfiniteTimeSpan, token), cancellationToken).ConfigureAwait(false);
        _submitter.Attach(Node);
        var front = system.ActorOf(
            Props.Create(() => new ClusterSubmitActor(call => _submitter.SubmitToClusterAsync(Node, call, CancellationToken.None), Node.NodeName, dispatch)),
            "cluster");
        registry.Register<ClusterSubmitActor>(front);
        var redis = Node.Work.Redis;
        if (redis.State == RedisConnectionState.Connected) LogJoined(Node.NodeName, redis.Endpoint, Node.Options.KeyPrefix);
        else LogJoinedWithoutRedis(Node.NodeName, redis.Endpoint, Node.Options.WhenRedisDown == WhenRedisDown.Fail ? "refused" : "held");
    }

    /// <summary>
    /// Leaves the cluster within <paramref name="timeout"/>: refuses new submissions, waits (for up to half the time,
    /// still working for the cluster) until the calls this node submitted have their results, then stops taking
    /// calls and lets those in progress finish in the time left. Returns the time left for the local pipeline's drain.
    /// </summary>
    public async Task<TimeSpan> LeaveAsync(TimeSpan timeout)
    {
        var started = _time.GetTimestamp();
        _submitter.StopAccepting();
        LogLeaving(Node.NodeName, Node.Work.Waiting, timeout.TotalSeconds);
        while (Node.Work.Waiting > 0 && _time.GetElapsedTime(started) < timeout / 2)
            await Task.Delay(WaitingPoll, _time).ConfigureAwait(false);

        var waiting = Node.Work.Waiting;
        await Node.StopAsync(Remaining(timeout, started)).ConfigureAwait(false);
        LogLeft(Node.NodeName, waiting);
        return Remaining(timeout, started);
    }

    private TimeSpan Remaining(TimeSpan timeout, long started)
    {
        var left = timeout - _time.GetElapsedTime(started);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster node {Node} joined through Redis at {Redis} (key prefix {KeyPrefix})")]
    private partial void LogJoined(string node, string redis, string keyPrefix);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster node {Node} started, but Redis at {Redis} is unreachable: submissions are {WhatHappens} until it is back")]
    private partial void LogJoinedWithoutRedis(string node, string redis, string whatHappens);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster node {Node} is leaving: no new submissions; {Waiting} submitted call(s) still waiting for results; {DrainSeconds} s in all")]
    private partial void LogLeaving(string node, int waiting, double drainSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster node {Node} left the cluster ({Waiting} submitted call(s) were still waiting and got Cancelled)")]
    private partial void LogLeft(string node, int waiting);
}
