using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Dispatch.Cluster.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Owner;

/// <summary>
/// The one owner of an endpoint's quota in the cluster (a cluster singleton): holds the window in a
/// <see cref="QuotaLedger"/> and leases blocks of credits to the nodes' lease clients.
/// </summary>
/// <remarks>
/// <para>
/// Messages: <see cref="RequestLease"/> → its returns are applied, then <see cref="LeaseGranted"/> as soon
/// as the request's minimum is free (<see cref="LeaseDeferred"/> first when the request has waited half the node's
/// request timeout: most waits end sooner, and then the grant alone answers, two messages per lease). Requests
/// wait in one FIFO line, one per node (a newer request from the same node takes the older one's place), so
/// a node needing a large call is not starved by others.
/// With smooth pacing, a head of the line that finds less than half its share of the paced rate free waits, and the nodes
/// holding more than their share are told <see cref="LeaseCut"/> (their leases go on at their share; the cut lease's
/// return acknowledges it). <see cref="ReturnLeases"/> → applied. <see cref="EndpointPaused"/> (on the endpoint's pause topic, from
/// the node that saw the 429) → nothing is granted until the pause ends.
/// <see cref="GetQuotaStatus"/> → <see cref="EndpointQuotaStatus"/>. <see cref="LeaveQuota"/> (a node leaving) →
/// its returns are applied, its request leaves the line, <see cref="QuotaLeft"/>.
/// </para>
/// <para>
/// A new owner grants nothing until <see cref="QuotaLedger.GrantingFrom"/> (one window plus one lease span
/// after it started); requests that arrive before then wait in line. On a graceful hand-over it may grant
/// sooner: its singleton manager stops the old owner with <see cref="HandOverAndStop"/>, on which the old owner
/// stops granting, sends its whole window (<see cref="QuotaHandOver"/>) to the lease client of the node it hands
/// over to, tells the nodes waiting in its line to ask again (<see cref="LeaseRequestDropped"/>) and stops; the new
/// owner asks its own node's lease client for that window when it starts (<see cref="TakeHandOver"/>) and, if it
/// has granted nothing yet, takes it over and grants from when the old owner could. One keyed timer wakes the line when
/// its head may be grantable, so nothing polls. Lease clients in line are watched; a node that leaves takes
/// its place in line with it, while its leases keep counting in full.
/// </para>
/// </remarks>
internal sealed partial class QuotaOwnerActor : ReceiveActor, IWithTimers
{
    private const string WakeKey = "wake";
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(1);

    private readonly string _endpoint;
    private readonly RateLimitOptions _limits;
    private readonly TimeSpan _span;
    private readonly string _role;
    private readonly TimeSpan _deferAfter;
    private readonly List<Waiting> _line = [];
    private readonly HashSet<IActorRef> _watched = [];
    private readonly Dictionary<string, IActorRef> _clients = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly PaceAllotment? _pacing;
    private QuotaLedger _ledger = null!;
    private string _self = "";
    private long _incarnation;
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
    private DateTimeOffset? _wakeAt;

    public QuotaOwnerActor(string endpoint, RateLimitOptions limits, TimeSpan span, string role, TimeSpan deferAfter)
    {
        _deferAfter = deferAfter;
        _endpoint = endpoint;
        _limits = limits;
        _span = span;
        _role = role;
        if (limits.Pacing == RateLimitPacing.Smooth && (limits.Requests is not null || limits.Tokens is not null)) _pacing = new PaceAllotment(limits);
        Receive<RequestLease>(Request);
        Receive<ReturnLeases>(returns =>
        {
            Apply(returns.Returns, Now);
            GrantWaiting();
        });
        Receive<EndpointPaused>(Pause);
        Receive<SubscribeAck>(_ => { });
        Receive<GetQuotaStatus>(_ => Sender.Tell(Status(), Self));
        Receive<Terminated>(terminated =>
        {
            _watched.Remove(terminated.ActorRef);
            _toldClients.Remove(terminated.ActorRef);
            Forget(terminated.ActorRef);
            _line.RemoveAll(w => w.Client.Equals(terminated.ActorRef));
            GrantWaiting();
        });
        Receive<Wake>(_ =>
        {
            _wakeAt = null;
            GrantWaiting();
        });
        Receive<LeaveQuota>(Leave);
        Receive<QuotaHandOver>(TakeOver);
        Receive<HandOverAndStop>(_ => HandOver());
        Receive<DeferralDue>(Defer);
        ReceiveLearning();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    /// <param name="endpoint">The endpoint.</param>
    /// <param name="limits">Its limits.</param>
    /// <param name="span">How long a lease may be spent.</param>
    /// <param name="role">The role of the nodes that host owners (the successor of a hand-over has it).</param>
    /// <param name="deferAfter">
    /// How long a request may wait in line before its node is told (<see cref="LeaseDeferred"/>): half the nodes'
    /// request timeout, so the word arrives before a node would take the wait for a lost request.
    /// </param>
    public static Props Props(string endpoint, RateLimitOptions limits, TimeSpan span, string role, TimeSpan deferAfter) =>
        Akka.Actor.Props.Create(() => new QuotaOwnerActor(endpoint, limits, span, role, deferAfter));

    /// <summary>
    /// How long the head of the line waits for the rest of its lease when part of it is free and the rest frees that soon:
    /// leases that free a moment apart are granted again as one, so a full window does not stay split into the sizes of
    /// its first leases. Half a span: what waits is at most that long idle, once per lease.
    /// </summary>
    /// <param name="span">The endpoint's lease span.</param>
    internal static TimeSpan MergeTimeFor(TimeSpan span) => span / 2;

    protected override void PreStart()
    {
        var now = Now;
        _self = Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString();
        // Lease ids must not be mistaken for an earlier owner's: the actor's uid differs per incarnation,
        // and the start time tells incarnations apart even if two uids collide.
        _incarnation = ((long)Self.Path.Uid << 32) ^ (now.UtcTicks / TimeSpan.TicksPerMillisecond);
        _ledger = new QuotaLedger(_limits.Requests, _limits.Tokens, _limits.Window, _span, now, _incarnation);
        _log.Info("Quota owner of endpoint {Endpoint} started on {Owner}; it grants from {GrantingFrom:O} (one window and one lease span from now)",
            _endpoint, _self, _ledger.GrantingFrom);
        Context.System.EventStream.Publish(new QuotaOwnerStarted(_endpoint, _self, now, _ledger.GrantingFrom));
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(ClusterQuota.PauseTopic(_endpoint), Self));
        Context.ActorSelection("/user/" + ClusterQuota.LeaseClientName(_endpoint)).Tell(TakeHandOver.Instance, Self);
        SetWake(_ledger.GrantingFrom, now);
    }

    private void Leave(LeaveQuota leave)
    {
        var now = Now;
        _ledger.Advance(now);
        var (requests, tokens) = (_ledger.RequestsInWindow, _ledger.TokensInWindow);
        Apply(leave.Returns, now);
        var (freed, freedTokens) = (requests - _ledger.RequestsInWindow, tokens - _ledger.TokensInWindow);
        _line.RemoveAll(w => w.Client.Equals(Sender));
        if (_watched.Remove(Sender)) Context.Unwatch(Sender);
        Forget(Sender);
        var node = NodeOf(Sender);
        _log.Info("Node {Node} left the quota of endpoint {Endpoint}: its returns freed {FreedRequests} requests and {FreedTokens} tokens",
            node, _endpoint, freed, freedTokens);
        Sender.Tell(new QuotaLeft(_endpoint, _self, freed, freedTokens), Self);
        GrantWaiting();
    }

    /// <summary>
    /// The singleton manager stops this owner (its node leaves, or the system stops): nothing is granted after this
    /// handler, so the window sent is the whole of what this owner granted.
    /// </summary>
    private void HandOver()
    {
        var now = Now;
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        // Whom Akka's singleton manager hands over to: the oldest other member with the role.
        var successor = cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(_role) && !m.Address.Equals(cluster.SelfAddress))
            .OrderBy(m => m, Member.AgeOrdering)
            .FirstOrDefault();
        if (successor is not null)
        {
            var window = _ledger.HandOver(now);
            var grantingIn = _ledger.GrantingFrom - now;
            var pausedFor = _pausedUntil - now;
            RefreshLimits(now);
            var handOver = new QuotaHandOver(_endpoint, _incarnation, _self, successor.Address.ToString(),
                grantingIn > TimeSpan.Zero ? grantingIn : TimeSpan.Zero, pausedFor > TimeSpan.Zero ? pausedFor : TimeSpan.Zero, window,
                _ledger.RequestLimitInForce < _limits.Requests ? _ledger.RequestLimitInForce : null,
                _ledger.TokenLimitInForce < _limits.Tokens ? _ledger.TokenLimitInForce : null);
            Context.ActorSelection(new RootActorPath(successor.Address) / "user" / ClusterQuota.LeaseClientName(_endpoint)).Tell(handOver, Self);
            _log.Info("Quota owner of endpoint {Endpoint} on {Owner} stops and hands its window ({Leases} leases) to {Successor}",
                _endpoint, _self, window.Length, handOver.Successor);
        }

        // The nodes in line would otherwise wait a window before asking again; the next owner hears them at once.
        foreach (var waiting in _line) waiting.Client.Tell(new LeaseRequestDropped(_endpoint, waiting.Request.RequestId), Self);
        _line.Clear();
        Context.Stop(Self);
    }

    private void TakeOver(QuotaHandOver handOver)
    {
        var now = Now;
        if (handOver.Endpoint != _endpoint || handOver.Successor != _self) return;
        // Only a ledger that has granted nothing may take it: its grants were not checked against that window.
        if (!_ledger.TakeOver(handOver.Leases, handOver.GrantingIn, now))
        {
            _log.Warning("Quota owner of endpoint {Endpoint} ignored the window handed over by {From}: it already granted", _endpoint, handOver.From);
            return;
        }

        if (now + handOver.PausedFor > _pausedUntil) _pausedUntil = now + handOver.PausedFor;
        TakeOverLimits(handOver, now);
        _log.Info("Quota owner of endpoint {Endpoint} took over the window of {From} ({Leases} leases); it grants from {GrantingFrom:O}",
            _endpoint, handOver.From, handOver.Leases.Length, _ledger.GrantingFrom);
        Context.System.EventStream.Publish(new QuotaHandOverTaken(_endpoint, _self, handOver.From, handOver.Leases.Length, _ledger.GrantingFrom));
        _wakeAt = null;
        GrantWaiting();
    }

    private void Request(RequestLease request)
    {
        var now = Now;
        var client = Sender;
        if (_watched.Add(client))
        {
            Context.Watch(client);
            TellLimits(client);
        }

        Apply(request.Returns, now);
        // A node that missed a pause (it joined later, or the pause topic's gossip had not reached it) learns it now.
        if (now < _pausedUntil) client.Tell(new EndpointPaused(_endpoint, _pausedUntil - now), Self);

        var waiting = new Waiting(client, NodeOf(client), request, now);
        _clients[waiting.Node] = client;
        _pacing?.Want(waiting.Node, request.WantedPace);
        var index = _line.FindIndex(w => w.Client.Equals(client));
        if (index >= 0) _line[index] = waiting;
        else _line.Add(waiting);
        GrantWaiting();
        // Not granted at once: if the wait lasts, say so before the node takes it for a lost request. Most waits at a
        // full window end sooner, and then the grant alone answers: a deferral sent at once would be a third message per lease.
        if (_line.Contains(waiting)) Timers.StartSingleTimer(new DeferralKey(client), new DeferralDue(client, request.RequestId), _deferAfter);
    }

    private void Defer(DeferralDue due)
    {
        if (_line.Exists(w => w.Client.Equals(due.Client) && w.Request.RequestId == due.RequestId))
            due.Client.Tell(new LeaseDeferred(_endpoint, due.RequestId), Self);
    }

    private void Apply(LeaseReturn[] returns, DateTimeOffset now)
    {
        foreach (var lease in returns)
        {
            // Returns of another owner's leases count only if this owner took that owner's window over.
            if (_ledger.Return(lease.Owner, lease.Lease, lease.UsedRequests, lease.UsedTokens, now) && _log.IsDebugEnabled)
            {
                _log.Debug("Quota owner of endpoint {Endpoint} applied {Return} from {Node} at {At:HH:mm:ss.fff}", _endpoint, lease, NodeOf(Sender), now);
            }
        }
    }

    private void Pause(EndpointPaused pause)
    {
        var now = Now;
        var until = now + pause.For;
        if (until <= _pausedUntil) return;
        _pausedUntil = until;
        _log.Info("Quota owner of endpoint {Endpoint} grants nothing for {PauseFor}: a 429 on {Node}", _endpoint, pause.For, NodeOf(Sender));
        GrantWaiting();
    }

    private void GrantWaiting()
    {
        var now = Now;
        RefreshLimits(now);
        while (_line.Count > 0)
        {
            if (now < _pausedUntil)
            {
                SetWake(_pausedUntil, now);
                return;
            }

            var head = _line[0];
            var request = head.Request;
            var (maxRequests, maxTokens) = (request.MaxRequests, request.MaxTokens);
            LeasePace? pace = null;
            if (_pacing is not null && now >= _ledger.GrantingFrom)
            {
                pace = _pacing.Allot(head.Node, _ledger.RequestLimitInForce, _ledger.TokenLimitInForce, _ledger.LivePaces(now, _limits.CapPeriod), _line.Select(w => w.Node));
                if (pace is null)
                {
                    // The others' leases hold the rate (or the cap): those above their share are cut to it, and their returns free it a cap period later.
                    CutFor(head.Node, now);
                    // Or the first of them to stop counting frees some, within one span and a cap period.
                    SetWake(_ledger.NextPaceEnd(head.Node, now, _limits.CapPeriod) ?? now + _span, now);
                    return;
                }

                (maxRequests, maxTokens) = PaceAllotment.LeaseSize(pace, _span, _limits.Window, request);
            }

            var decision = _ledger.TryGrant(head.Node, request.MinRequests, request.MinTokens, maxRequests, maxTokens, _span, now, MergeTimeFor(_span), pace);
            if (decision.Granted)
            {
                _line.RemoveAt(0);
                var lease = decision.Lease;
                if (_log.IsDebugEnabled)
                {
                    _log.Debug("Quota owner of endpoint {Endpoint} granted {Lease} to {Node} at {At:HH:mm:ss.fff}, until {Finish:HH:mm:ss.fff}; the window counts {RequestsInWindow} requests",
                        _endpoint, lease, head.Node, now, lease.Finish, _ledger.RequestsInWindow);
                }

                head.Client.Tell(new LeaseGranted(_endpoint, request.RequestId, _incarnation, lease.Number, lease.Requests, lease.Tokens, now - head.ArrivedAt, _span, pace, lease.Bound), Self);
                continue;
            }

            if (decision.RetryAt == DateTimeOffset.MaxValue)
            {
                // The node's limiter refuses such calls before asking; drop it rather than block the line forever.
                _line.RemoveAt(0);
                _log.Warning("Quota owner of endpoint {Endpoint} dropped a lease request from {Node} that can never be granted ({MinRequests} requests, {MinTokens} tokens)",
                    _endpoint, head.Node, request.MinRequests, request.MinTokens);
                continue;
            }

            SetWake(decision.RetryAt, now);
            return;
        }

        _wakeAt = null;
        Timers.Cancel(WakeKey);
    }

    /// <summary>
    /// Cuts the leases of the nodes holding more than their share (of the rate, or of the cap) while <paramref name="node"/>
    /// waits for its own, and tells them (<see cref="LeaseCut"/>); each lease is cut once, and a node whose client is unknown
    /// here is left to its lease's end.
    /// </summary>
    private void CutFor(string node, DateTimeOffset now)
    {
        foreach (var (other, pace) in _pacing!.Cuts(node, _ledger.RequestLimitInForce, _ledger.TokenLimitInForce, _ledger.LivePaces(now), _line.Select(w => w.Node)))
        {
            if (!_clients.TryGetValue(other, out var client)) continue;
            foreach (var cut in _ledger.Cut(other, pace, now))
            {
                if (_log.IsDebugEnabled)
                {
                    _log.Debug("Quota owner of endpoint {Endpoint} made {Cut} to the leases of {Node} at {At:HH:mm:ss.fff}, for {Waiting}",
                        _endpoint, cut, other, now, node);
                }

                client.Tell(new LeaseCut(_endpoint, _incarnation, cut.Lease, cut.Successor, cut.Requests, cut.Tokens, pace, cut.Bound), Self);
            }
        }
    }

    private void SetWake(DateTimeOffset at, DateTimeOffset now)
    {
        if (_wakeAt == at) return;
        _wakeAt = at;
        var delay = at - now;
        Timers.StartSingleTimer(WakeKey, Wake.Instance, delay < TimeSpan.Zero ? TimeSpan.Zero : delay > LongestWait ? LongestWait : delay);
    }

    private EndpointQuotaStatus Status()
    {
        var now = Now;
        var leases = _ledger.LiveLeases(now).Select(l => new NodeLease(l.Node, l.Requests, l.Tokens)).ToArray();
        RefreshLimits(now);
        return new EndpointQuotaStatus(_endpoint, _self, _ledger.GrantingFrom, now < _pausedUntil ? _pausedUntil : null,
            _ledger.RequestsInWindow, _ledger.TokensInWindow, leases,
            _limits.Requests, _ledger.RequestLimitInForce, _limits.Tokens, _ledger.TokenLimitInForce);
    }

    /// <summary>A node whose lease client stopped or left: what it wanted no longer matters, and it is told no cut.</summary>
    private void Forget(IActorRef client)
    {
        var node = NodeOf(client);
        if (!_clients.TryGetValue(node, out var known) || !known.Equals(client)) return;
        _clients.Remove(node);
        _pacing?.Forget(node);
    }

    private string NodeOf(IActorRef client) => client.Path.Address.HasGlobalScope ? client.Path.Address.ToString() : _self;

    private sealed record Waiting(IActorRef Client, string Node, RequestLease Request, DateTimeOffset ArrivedAt);

    /// <summary>One deferral timer per node: a newer request's replaces the older's.</summary>
    private sealed record DeferralKey(IActorRef Client);

    private sealed record DeferralDue(IActorRef Client, long RequestId);

    private sealed class Wake
    {
        public static readonly Wake Instance = new();

        private Wake()
        {
        }
    }
}
