using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Dispatch.Cluster.Owner;
using Dispatch.Cluster.Protocol;

namespace Dispatch.Cluster.Leasing;

/// <summary>
/// One endpoint's lease client on one node: asks the endpoint's owner (through the cluster singleton
/// proxy) for leases when the node's <see cref="ClusterCreditSource"/> needs them, hands the grants to
/// the source, sends back what finished leases used, and carries 429 pauses to and from the other nodes.
/// </summary>
/// <remarks>
/// <para>
/// From the source (same node): <see cref="LeaseWanted"/> → a <see cref="RequestLease"/>, unless one is
/// already waiting for its answer; <see cref="ReturnsPending"/> → a retired lease's return goes at once
/// (<see cref="ReturnLeases"/>, or with a request sent at that moment), a later token correction with the
/// next request or after one lease span; <see cref="PauseSeen"/> → <see cref="EndpointPaused"/> published on
/// the endpoint's pause topic. From the owner: <see cref="LeaseGranted"/> → the source gets the lease with its
/// deadline (when this node sent the request, plus the owner's hold, plus the span: never later than the
/// span the owner counts); <see cref="LeaseDeferred"/> → the request waits in line; <see cref="LeaseCut"/> → the lease
/// is retired and returned at once and its rest spent at the lower rate (or returned too, when nothing asks for credits).
/// With smooth pacing, paced leases held while no call has asked for credits for a while go back early (one timer). From the pause topic
/// (DistributedPubSub, every node and the owner subscribe): <see cref="EndpointPaused"/> → the source pauses.
/// </para>
/// <para>
/// At most one request waits for an answer. With no answer within the request timeout (the owner is
/// being moved, or unreachable), or no grant within one window and one span of a <see cref="LeaseDeferred"/>,
/// the request is sent again, its returns with it; meanwhile the node spends only what it holds. A new
/// owner cannot grant before one window and one span after it started, so this never delays its first
/// grant. One timer retires leases at their deadline so their unused credits go back promptly.
/// </para>
/// <para>
/// Leaving (<see cref="NodeLeaving"/>, from <c>CoordinatedShutdown</c> before the node leaves the cluster): every
/// lease is retired and returned (<see cref="LeaveQuota"/>), the source takes no lease after, and the owner's
/// <see cref="QuotaLeft"/> answers the shutdown task and is published on the event stream.
/// </para>
/// <para>
/// Hand-over: a <see cref="QuotaHandOver"/> addressed to this node by a stopping owner is kept and given once to
/// the owner that starts here (<see cref="TakeHandOver"/>, before or after it arrives), if that is within one window
/// and one span of its arrival (later, the new owner's own wait is no longer than the old window). A
/// <see cref="LeaseRequestDropped"/> from the stopping owner makes this node ask the next one at once.
/// </para>
/// </remarks>
internal sealed class LeaseClientActor : ReceiveActor, IWithTimers
{
    private const string RetryKey = "retry";
    private const string ExpiryKey = "expiry";
    private const string FlushKey = "flush";
    private const string IdleKey = "idle";

    /// <summary>Requests whose send time is kept, so a late grant of an earlier request can still be used.</summary>
    private const int RememberedRequests = 16;

    private readonly string _endpoint;
    private readonly ClusterCreditSource _source;
    private readonly IActorRef _owner;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeSpan _longestHold;
    private readonly TimeSpan _flushDelay;
    private readonly Dictionary<long, DateTimeOffset> _sentAt = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IActorRef _mediator = DistributedPubSub.Get(Context.System).Mediator;
    private readonly HandOverSlot _handOver;
    private long _lastRequestId;
    private Outstanding? _outstanding;
    private DateTimeOffset? _expiryAt;
    private IActorRef? _leaving;

    public LeaseClientActor(string endpoint, ClusterCreditSource source, IActorRef owner, TimeSpan requestTimeout, TimeSpan flushDelay, TimeSpan longestHold)
    {
        _longestHold = longestHold;
        _handOver = new HandOverSlot(longestHold);
        _endpoint = endpoint;
        _source = source;
        _owner = owner;
        _requestTimeout = requestTimeout;
        _flushDelay = flushDelay;
        Receive<LeaseWanted>(_ => Ask());
        Receive<ReturnsPending>(_ => ReturnsDue());
        Receive<PauseSeen>(pause =>
        {
            var remaining = pause.Until - Now;
            if (remaining > TimeSpan.Zero)
            {
                // Every node's lease client and the owner hear it, whether or not the owner is reachable now.
                _source.Traffic.CountSent();
                _mediator.Tell(new Publish(ClusterQuota.PauseTopic(_endpoint), new EndpointPaused(_endpoint, remaining)), Self);
            }

            ReturnsDue();
            SetExpiry();
        });
        Receive<SubscribeAck>(_ => { });
        Receive<LeaseGranted>(Granted);
        Receive<LeaseDeferred>(deferred =>
        {
            _source.Traffic.CountDeferral();
            // The owner has it in line and will grant within a window (plus a pause, if one is in force).
            if (_outstanding?.RequestId == deferred.RequestId)
                Timers.StartSingleTimer(RetryKey, new RequestTimedOut(deferred.RequestId), _longestHold + _requestTimeout);
        });
        Receive<EndpointPaused>(pause =>
        {
            _source.Traffic.CountReceived();
            _source.ObservePause(Now + pause.For);
            ReturnsDue();
            SetExpiry();
        });
        Receive<RequestTimedOut>(timedOut =>
        {
            if (_outstanding?.RequestId != timedOut.RequestId) return;
            _log.Debug("No lease from the owner of endpoint {Endpoint} within {Timeout}; asking again", _endpoint, _requestTimeout);
            AskAgain();
        });
        Receive<LeaseRequestDropped>(dropped =>
        {
            _source.Traffic.CountReceived();
            if (_outstanding?.RequestId != dropped.RequestId) return;
            _log.Debug("The owner of endpoint {Endpoint} handed over with this node's request in line; asking the next owner", _endpoint);
            AskAgain();
        });
        Receive<NodeLeaving>(_ => Leave());
        Receive<QuotaLeft>(left =>
        {
            _source.Traffic.CountReceived();
            Context.System.EventStream.Publish(left);
            _leaving?.Tell(left, Self);
            _leaving = null;
        });
        Receive<QuotaHandOver>(handOver => _handOver.Arrive(handOver, Now)?.Tell(handOver, Self));
        Receive<TakeHandOver>(_ =>
        {
            if (_handOver.Take(Sender, Now) is { } handOver) Sender.Tell(handOver, Self);
            else Context.Watch(Sender);
        });
        // An owner that waited for a window and stopped (it handed over elsewhere) must not swallow the next one.
        Receive<Terminated>(terminated => _handOver.Forget(terminated.ActorRef));
        Receive<LeaseExpiry>(_ =>
        {
            _expiryAt = null;
            if (_source.RetireExpired(Now)) ReturnsDue();
            SetExpiry();
        });
        Receive<FlushDue>(_ => Flush());
        Receive<LeaseCut>(cut =>
        {
            _source.Traffic.CountReceived();
            _source.Cut(cut, Now);
            ReturnsDue();
            SetExpiry();
        });
        Receive<IdleCheck>(_ =>
        {
            var next = _source.RetireIfIdle(Now, out var retired);
            if (retired) ReturnsDue();
            if (next is { } at) Timers.StartSingleTimer(IdleKey, IdleCheck.Instance, at > Now ? at - Now : TimeSpan.Zero);
            SetExpiry();
        });
        Receive<ObservationsDue>(_ =>
        {
            if (_source.TakeObservations(Now) is { } observed) ToOwner(observed);
        });
        Receive<LimitsInForce>(limits =>
        {
            _source.Traffic.CountReceived();
            _source.LimitsInForce(limits);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    /// <param name="endpoint">The endpoint.</param>
    /// <param name="source">This node's credit source of the endpoint.</param>
    /// <param name="owner">The proxy to the endpoint's owner singleton.</param>
    /// <param name="requestTimeout">How long to wait for the owner's first answer before asking again.</param>
    /// <param name="flushDelay">How long a token correction waits for a lease request to carry it.</param>
    /// <param name="longestHold">How long the owner may keep a request in line: one window and one lease span.</param>
    public static Props Props(string endpoint, ClusterCreditSource source, IActorRef owner, TimeSpan requestTimeout, TimeSpan flushDelay, TimeSpan longestHold) =>
        Akka.Actor.Props.Create(() => new LeaseClientActor(endpoint, source, owner, requestTimeout, flushDelay, longestHold));

    protected override void PreStart() => _mediator.Tell(new Subscribe(ClusterQuota.PauseTopic(_endpoint), Self));

    protected override void PostStop()
    {
        // Leaving: what this node holds goes back, so the others can have it.
        _source.RetireAll();
        var returns = _source.TakeReturns();
        if (returns.Length > 0) _owner.Tell(new ReturnLeases(_endpoint, returns), ActorRefs.NoSender);
    }

    private void AskAgain()
    {
        _source.RequestLost();
        _source.Unsend(_outstanding!.Returns);
        _outstanding = null;
        Timers.Cancel(RetryKey);
        Ask();
        if (_outstanding is null) ReturnsDue();
    }

    private void Leave()
    {
        _leaving = Sender;
        _source.Close();
        if (_outstanding is { } outstanding) _source.Unsend(outstanding.Returns);
        _outstanding = null;
        Timers.Cancel(RetryKey);
        Timers.Cancel(FlushKey);
        ToOwner(new LeaveQuota(_endpoint, _source.TakeReturns()));
        _log.Info("Leaving: this node's leases of endpoint {Endpoint} go back to the owner, and it takes no more", _endpoint);
    }

    private void Ask()
    {
        var ask = _source.TakeDemand();
        if (_outstanding is not null || ask is not { } wanted) return;

        var id = ++_lastRequestId;
        var returns = _source.TakeReturns();
        ToOwner(new RequestLease(_endpoint, id, wanted.MinRequests, wanted.MinTokens, wanted.MaxRequests, wanted.MaxTokens, returns, _source.WantedPace(Now)));
        _outstanding = new Outstanding(id, returns);
        _sentAt[id] = Now;
        _sentAt.Remove(id - RememberedRequests);
        Timers.StartSingleTimer(RetryKey, new RequestTimedOut(id), _requestTimeout);
        Timers.Cancel(FlushKey);
    }

    private void Granted(LeaseGranted grant)
    {
        _source.Traffic.CountGrant();
        var now = Now;
        // The deadline is measured from when this node asked, by its own clock: the owner granted after
        // it received the request, so this deadline comes before the end of the span it counts. A grant of a
        // request too old to remember cannot be dated, so it goes straight back unused.
        var deadline = _sentAt.TryGetValue(grant.RequestId, out var sentAt) ? sentAt + grant.Held + grant.Span : now;
        if (_sentAt.ContainsKey(grant.RequestId)) _source.Times.Lease(grant.Held, now - sentAt);
        if (!_source.AddLease(grant, deadline, now)) ReturnsDue();
        // A paced lease held while nothing asks for credits goes back early, so its rate is free for the others.
        if (grant.Bound is not null && !Timers.IsTimerActive(IdleKey)) Timers.StartSingleTimer(IdleKey, IdleCheck.Instance, _source.IdleAfter);
        if (_outstanding?.RequestId == grant.RequestId)
        {
            _outstanding = null;
            Timers.Cancel(RetryKey);
        }

        SetExpiry();
    }

    /// <summary>
    /// A lease retired and never returned goes back at once: until it does, its unused credits and the rest
    /// of its span are blocked at the owner. A later token correction waits up to one lease span for a
    /// lease request to carry it.
    /// </summary>
    private void ReturnsDue()
    {
        if (_source.HasUrgentReturns) Flush();
        else if (!Timers.IsTimerActive(FlushKey)) Timers.StartSingleTimer(FlushKey, FlushDue.Instance, _flushDelay);
    }

    private void Flush()
    {
        Timers.Cancel(FlushKey);
        var returns = _source.TakeReturns();
        if (returns.Length == 0) return;
        _source.Traffic.CountLoneReturn();
        _owner.Tell(new ReturnLeases(_endpoint, returns), Self);
    }

    private void ToOwner(IQuotaMessage message)
    {
        _source.Traffic.CountSent();
        _owner.Tell(message, Self);
    }

    private void SetExpiry()
    {
        var next = _source.NextDeadline;
        if (next == _expiryAt) return;
        _expiryAt = next;
        if (next is not { } at)
        {
            Timers.Cancel(ExpiryKey);
            return;
        }

        var delay = at - Now;
        Timers.StartSingleTimer(ExpiryKey, LeaseExpiry.Instance, delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
    }

    private sealed record Outstanding(long RequestId, LeaseReturn[] Returns);

    private sealed record RequestTimedOut(long RequestId);

    private sealed class FlushDue
    {
        public static readonly FlushDue Instance = new();

        private FlushDue()
        {
        }
    }

    private sealed class IdleCheck
    {
        public static readonly IdleCheck Instance = new();

        private IdleCheck()
        {
        }
    }

    private sealed class LeaseExpiry
    {
        public static readonly LeaseExpiry Instance = new();

        private LeaseExpiry()
        {
        }
    }
}
