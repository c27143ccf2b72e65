using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;

namespace Dispatch.Cluster.Proxy;

/// <summary>The proxy's <c>dispatch</c> nodes: who they are (Akka.Cluster's membership), which take calls, which has the fewest.</summary>
public sealed partial class DispatchProxy
{
    private readonly bool _followCluster;
    private readonly Dictionary<Address, ProxyNode> _nodes = [];

    /// <inheritdoc />
    protected override void PreStart()
    {
        if (!_followCluster) return;
        // The dispatch nodes' DistributedPubSub mediators (the quota's pauses) gossip with every member; without a
        // mediator (and its serializer) here each gossip would be dropped with a warning.
        _ = DistributedPubSub.Get(Context.System);
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
    }

    private void StopFollowingCluster()
    {
        if (_followCluster) Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }

    private void ReceiveMembership()
    {
        Receive<ClusterEvent.MemberUp>(up =>
        {
            if (up.Member.HasRole(_options.Role) && !_nodes.ContainsKey(up.Member.Address)) Identify(_nodes[up.Member.Address] = new ProxyNode(up.Member.Address));
        });
        Receive<ClusterEvent.MemberRemoved>(removed => Lost(removed.Member.Address));
        Receive<ClusterEvent.MemberLeft>(left => Leaving(left.Member.Address));
        Receive<ClusterEvent.MemberExited>(exited => Leaving(exited.Member.Address));
        Receive<ClusterEvent.UnreachableMember>(unreachable => Availability(new NodeAvailability(unreachable.Member.Address, false)));
        Receive<ClusterEvent.ReachableMember>(reachable => Availability(new NodeAvailability(reachable.Member.Address, true)));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ActorIdentity>(Identified);
        Receive<IdentifyAgain>(again =>
        {
            if (_nodes.TryGetValue(again.Node, out var node) && node.Dispatch is null) Identify(node);
        });
        Receive<NodeReady>(Ready);
        Receive<NodeLost>(lost => Lost(lost.Node));
        Receive<NodeAvailability>(Availability);
        Receive<Terminated>(terminated =>
        {
            if (_nodes.Values.FirstOrDefault(n => terminated.ActorRef.Equals(n.Dispatch)) is { } node) Lost(node.Address);
        });
    }

    /// <summary>Asks a new node for its <c>DispatchActor</c>; the answer is an <see cref="ActorIdentity"/> carrying its address.</summary>
    private void Identify(ProxyNode node) =>
        Context.ActorSelection(node.Address + _options.DispatchPath).Tell(new Identify(node.Address), Self);

    private void Identified(ActorIdentity identity)
    {
        if (identity.MessageId is StreamsOf streamsOf)
        {
            if (_nodes.TryGetValue(streamsOf.Node, out var asked) && asked.Dispatch is null) Ready(new NodeReady(streamsOf.Node, streamsOf.Dispatch, identity.Subject));
            return;
        }

        if (identity.MessageId is not Address address || !_nodes.TryGetValue(address, out var node) || node.Dispatch is not null) return;
        if (identity.Subject is { } dispatch)
        {
            // Its receiver of streamed calls next; a node without one answers streamed calls whole.
            Context.ActorSelection(dispatch.Path + StreamedCallReceiver.NameSuffix).Tell(new Identify(new StreamsOf(address, dispatch)), Self);
            return;
        }

        // Up in the cluster before its pipeline started (or without one at that path): ask again.
        _log.Debug("No DispatchActor at {0}{1} yet; asking again in {2}", address, _options.DispatchPath, _options.IdentifyInterval);
        Timers.StartSingleTimer(new IdentifyAgain(address), new IdentifyAgain(address), _options.IdentifyInterval);
    }

    private void Ready(NodeReady ready)
    {
        if (!_nodes.TryGetValue(ready.Node, out var node)) _nodes[ready.Node] = node = new ProxyNode(ready.Node);
        node.Dispatch = ready.Dispatch;
        node.Streams = ready.Streams;
        Context.Watch(ready.Dispatch);
        _log.Info("Dispatch node {0} takes calls ({1}; streamed answers {2})", ready.Node, ready.Dispatch.Path, ready.Streams is null ? "whole" : "relayed chunk by chunk");
        SendWaiting();
    }

    private void Availability(NodeAvailability availability)
    {
        if (!_nodes.TryGetValue(availability.Node, out var node)) return;
        node.Reachable = availability.Available;
        if (node.Reachable) SendWaiting();
    }

    private void Leaving(Address address)
    {
        if (_nodes.TryGetValue(address, out var node)) node.Leaving = true;
    }

    /// <summary>A node is gone: every call it had and did not answer goes to another node.</summary>
    private void Lost(Address address)
    {
        if (!_nodes.Remove(address, out var node)) return;
        if (node.Dispatch is { } dispatch) Context.Unwatch(dispatch);
        Timers.Cancel(new IdentifyAgain(address));
        var stranded = _calls.Values.Where(c => c.Node == address).ToArray();
        _log.Info("Dispatch node {0} is gone; {1} call(s) it had go to other nodes", address, stranded.Length);
        foreach (var entry in stranded) Resend(entry, address);
    }

    /// <summary>The ready node with the fewest calls outstanding from this proxy; <see langword="null"/> when none is ready.</summary>
    private ProxyNode? PickNode()
    {
        ProxyNode? best = null;
        foreach (var node in _nodes.Values)
        {
            if (node.Ready && (best is null || node.Outstanding < best.Outstanding)) best = node;
        }

        return best;
    }

    /// <summary>The node whose <c>DispatchActor</c> (or one of its descendants, which answer calls) sent a message.</summary>
    private ProxyNode? NodeOf(IActorRef sender)
    {
        var path = sender.Path;
        foreach (var node in _nodes.Values)
        {
            if (node.Dispatch?.Path is { } root && root.Address == path.Address && path.Elements.Take(root.Elements.Count).SequenceEqual(root.Elements)) return node;
        }

        return null;
    }

    /// <summary>A <c>dispatch</c> node and this proxy's calls on it.</summary>
    private sealed class ProxyNode(Address address)
    {
        public Address Address { get; } = address;

        /// <summary>Its <c>DispatchActor</c>, once found.</summary>
        public IActorRef? Dispatch { get; set; }

        /// <summary>Its <see cref="StreamedCallReceiver"/>, when it runs one.</summary>
        public IActorRef? Streams { get; set; }

        public bool Reachable { get; set; } = true;

        /// <summary>It is leaving the cluster.</summary>
        public bool Leaving { get; set; }

        /// <summary>It answered a call <c>Cancelled</c> unasked: it is shutting down.</summary>
        public bool Refusing { get; set; }

        public int Outstanding { get; set; }

        public bool Ready => Dispatch is not null && Reachable && !Leaving && !Refusing;
    }
}
