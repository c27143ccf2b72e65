using Akka.Actor;
using Akka.Event;
using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Proxy;

/// <summary>
/// Takes calls on a node that does not run the pipeline itself (an application node without the <c>dispatch</c>
/// role, or any node that wants calls spread over the cluster) and sends each one to the <c>DispatchActor</c> of
/// a <c>dispatch</c> node, the one with the fewest calls outstanding from this proxy. It speaks the
/// <c>DispatchActor</c>'s protocol, so a caller cannot tell the two apart.
/// </summary>
/// <remarks>
/// <para>
/// Messages: <see cref="APICalling"/> (Tell or Ask) → exactly one <see cref="APICallResult"/> to the sender. The
/// nodes come from Akka.Cluster's membership (members <c>Up</c> with <see cref="DispatchProxyOptions.Role"/>; the
/// actor at <see cref="DispatchProxyOptions.DispatchPath"/> is found with <see cref="Identify"/> and watched).
/// When the node running a call is lost before answering (removed from the cluster after it was downed, or its
/// <c>DispatchActor</c> stopped), or answers <see cref="ErrorKind.Cancelled"/> unasked because it is shutting
/// down, the call is sent again to another node with the same <see cref="APICalling.CallId"/>, and
/// <see cref="CallResent"/> is published. Every answer the proxy gives is published as <see cref="ProxyCallFinished"/>
/// (with the time the caller waited), so a node's telemetry sees its calls from the application's side. Every call carries
/// <see cref="DispatchProxyOptions.IdempotencyKeyHeader"/>: its call id, so the provider can drop the second
/// send of a call whose first send was cut off. The first answer is passed on; a later one for the same call is
/// dropped. An unreachable or leaving node gets no new calls; its calls stay with it until it answers or is removed
/// (re-sending earlier could run a call twice).
/// </para>
/// <para>
/// A call with a local <see cref="APICalling.ResponseStream"/> sent to another process goes to that node's
/// <see cref="StreamedCallReceiver"/> as a <see cref="StreamedCall"/>: its answer comes back chunk by chunk through an
/// Akka.Streams sink ref, and its result after the last chunk. It is re-sent only before its first chunk reached the
/// caller; a node lost after that ends it <see cref="CallStatus.Failed"/>/<see cref="ErrorKind.Connection"/> and publishes <see cref="CallCutOff"/>.
/// </para>
/// <para>
/// While no node is ready, calls wait here (at most <see cref="DispatchProxyOptions.MaxWaitingCalls"/>, beyond
/// which they are answered <see cref="CallStatus.Rejected"/>/<see cref="ErrorKind.QueueFull"/>). A call whose
/// <see cref="APICalling.Deadline"/> passes before its answer is answered <see cref="CallStatus.TimedOut"/>.
/// A second call under an id still unanswered is answered <see cref="CallStatus.Rejected"/>/<see cref="ErrorKind.InvalidRequest"/>.
/// <see cref="CancelCall"/> goes to the node running the call (a waiting call is answered <see cref="CallStatus.Cancelled"/>
/// here). <see cref="GetStatus"/> is answered with the sum over the ready nodes (queues, calls in flight, credits held
/// and counters added up, the worst breaker; a node that does not answer within <see cref="DispatchProxyOptions.StatusTimeout"/>
/// is left out; with no node ready, an empty <see cref="DispatchStatus"/>, or a <see cref="Status.Failure"/> for one endpoint);
/// <see cref="GetProxyStatus"/> → <see cref="DispatchProxyStatus"/>. <see cref="Drain"/> refuses new calls, lets
/// those accepted finish until its timeout, cancels the rest and answers <see cref="DrainCompleted"/>. Stopping the
/// proxy answers every call it holds <see cref="CallStatus.Cancelled"/>. Time is the actor system's scheduler.
/// </para>
/// </remarks>
public sealed partial class DispatchProxy : ReceiveActor, IWithTimers
{
    private readonly DispatchProxyOptions _options;
    private readonly Dictionary<string, ProxiedCall> _calls = new(StringComparer.Ordinal);
    private readonly LinkedList<ProxiedCall> _waiting = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _resent;
    private IActorRef? _drainRequester;
    private bool _draining;
    private int _drainedCompleted;

    private DispatchProxy(DispatchProxyOptions options, bool followCluster)
    {
        _options = options;
        _followCluster = followCluster;
        Receive<APICalling>(Accept);
        Receive<APICallResult>(Answered);
        Receive<CancelCall>(Cancel);
        Receive<CallExpired>(Expired);
        ReceiveStreaming();
        Receive<GetStatus>(SumStatus);
        Receive<GetProxyStatus>(_ => Sender.Tell(ProxyStatus()));
        Receive<Drain>(StartDrain);
        Receive<DrainExpired>(_ => EndDrain());
        ReceiveMembership();
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Props for a proxy that follows the cluster's membership.</summary>
    /// <param name="options">Which nodes take calls and where their <c>DispatchActor</c> runs; validated here. <see langword="null"/> for the defaults.</param>
    /// <exception cref="Core.Options.DispatchOptionsException">An option is invalid; the message names it.</exception>
    public static Props Props(DispatchProxyOptions? options = null) => Props(options, followCluster: true);

    /// <summary>Props for a proxy; without <paramref name="followCluster"/> its nodes come only from <see cref="NodeReady"/> and <see cref="NodeLost"/> (tests).</summary>
    internal static Props Props(DispatchProxyOptions? options, bool followCluster)
    {
        options ??= new DispatchProxyOptions();
        options.Validate();
        // The constructor is private (options must go through Validate above), which Props.Create cannot call.
        return Akka.Actor.Props.CreateBy(new Producer(options, followCluster));
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _drainRequester = null;
        CancelAll("the Dispatch proxy stopped before the call's answer arrived");
        StopFollowingCluster();
    }

    private void Accept(APICalling call)
    {
        if (_draining)
        {
            Answer(Sender, call.Endpoint, APICallResult.Rejected(call.CallId, ErrorKind.Cancelled, "the node is shutting down and accepts no new calls"), TimeSpan.Zero);
            return;
        }

        if (_calls.ContainsKey(call.CallId))
        {
            Answer(Sender, call.Endpoint, APICallResult.Rejected(call.CallId, ErrorKind.InvalidRequest, $"a call with id '{call.CallId}' is already waiting for its result on this proxy"), TimeSpan.Zero);
            return;
        }

        var entry = new ProxiedCall(WithIdempotencyKey(call), Sender, Context.System.Scheduler.Now);
        _calls.Add(call.CallId, entry);
        if (call.Deadline is { } deadline)
            Timers.StartSingleTimer(entry, new CallExpired(call.CallId, entry), Max(deadline - Context.System.Scheduler.Now, TimeSpan.Zero));
        Send(entry);
    }

    private void Answered(APICallResult result)
    {
        if (!_calls.TryGetValue(result.CallId, out var entry))
        {
            _log.Debug("Dropped an answer to call {0} that was already answered", result.CallId);
            return;
        }

        if (entry.Answer is not null)
        {
            _log.Debug("Dropped a second answer to streamed call {0}", result.CallId);
            return;
        }

        if (result.Error == ErrorKind.Cancelled && !entry.CancelRequested && entry.Relay is not { ReaderGone: true })
        {
            // Nobody asked for this: the node is shutting down (or an earlier node of this call answers late).
            if (NodeOf(Sender) is not { } from || from.Address != entry.Node) return;
            from.Refusing = true;
            Resend(entry, from.Address);
            return;
        }

        if (entry.Relay is { } relay)
        {
            AwaitStreamEnd(entry, relay, result);
            return;
        }

        Finish(entry, result);
    }

    private void Cancel(CancelCall cancel)
    {
        if (!_calls.TryGetValue(cancel.CallId, out var entry)) return;
        entry.CancelRequested = true;
        if (entry.Node is { } node && _nodes.TryGetValue(node, out var held) && held.Dispatch is { } dispatch)
            dispatch.Tell(cancel, Self);
        else
            Finish(entry, APICallResult.Cancelled(entry.Call.CallId, "cancelled by the caller while waiting for a dispatch node"));
    }

    private void Expired(CallExpired expired)
    {
        if (!_calls.TryGetValue(expired.CallId, out var entry) || !ReferenceEquals(entry, expired.Entry)) return;
        var where = entry.Node is { } node ? $"on node {node}" : "waiting for a dispatch node";
        Finish(entry, APICallResult.TimedOut(entry.Call.CallId, $"the call's deadline passed {where} before its answer reached the proxy"));
    }

    /// <summary>Hands a call to the ready node with the fewest calls outstanding, or puts it in line for one.</summary>
    private void Send(ProxiedCall entry)
    {
        if (PickNode() is not { } node)
        {
            if (_waiting.Count >= _options.MaxWaitingCalls)
            {
                Finish(entry, APICallResult.Rejected(entry.Call.CallId, ErrorKind.QueueFull, $"no dispatch node (role '{_options.Role}') is ready and {_waiting.Count} calls already wait for one"));
                return;
            }

            entry.WaitingAt = _waiting.AddLast(entry);
            return;
        }

        entry.Node = node.Address;
        entry.Sends++;
        node.Outstanding++;
        // A node in this process takes the caller's stream as it is.
        if (entry.Call.ResponseStream is { } local && node.Streams is not null && !node.Dispatch!.Path.Address.HasLocalScope) OpenStream(entry, local);
        else node.Dispatch!.Tell(entry.Call, Self);
    }

    /// <summary>Sends again a call whose node was lost or shut down before answering; a call its caller cancelled is answered instead.</summary>
    private void Resend(ProxiedCall entry, Address lost)
    {
        // Answered already; only its stream's end is awaited.
        if (entry.Answer is not null) return;
        Release(entry);
        if (entry.CancelRequested)
        {
            Finish(entry, APICallResult.Cancelled(entry.Call.CallId, $"cancelled by the caller; its node {lost} was lost before answering"));
            return;
        }

        if (entry.Relay is { Begun: true })
        {
            // Part of the answer is the caller's: a second send would give it a second beginning.
            Context.System.EventStream.Publish(new CallCutOff(entry.Call.CallId, entry.Call.Endpoint, lost.ToString()));
            Finish(entry, APICallResult.Failed(entry.Call.CallId, ErrorKind.Connection, $"node {lost} was lost after the streamed answer had begun; a streamed call is not sent again once its answer began"));
            return;
        }

        _resent++;
        _log.Debug("Re-sending call {0}: node {1} was lost before answering (send {2})", entry.Call.CallId, lost, entry.Sends + 1);
        Context.System.EventStream.Publish(new CallResent(entry.Call.CallId, entry.Call.Endpoint, lost.ToString(), entry.Sends + 1));
        Send(entry);
    }

    /// <summary>Sends the calls waiting for a node while one is ready.</summary>
    private void SendWaiting()
    {
        while (_waiting.First is { } first && PickNode() is not null)
        {
            _waiting.RemoveFirst();
            first.Value.WaitingAt = null;
            Send(first.Value);
        }
    }

    /// <summary>The one answer to a call: passed to its caller, and the call forgotten.</summary>
    private void Finish(ProxiedCall entry, APICallResult result)
    {
        Release(entry);
        _calls.Remove(entry.Call.CallId);
        Timers.Cancel(entry);
        entry.Relay?.Stop();
        Answer(entry.ReplyTo, entry.Call.Endpoint, result, Context.System.Scheduler.Now - entry.Accepted);
        if (_drainRequester is null) return;
        _drainedCompleted++;
        if (_calls.Count == 0) EndDrain();
    }

    /// <summary>Takes a call off its node's count, or out of the line.</summary>
    private void Release(ProxiedCall entry)
    {
        if (entry.WaitingAt is { } waiting)
        {
            _waiting.Remove(waiting);
            entry.WaitingAt = null;
        }

        if (entry.Node is { } node && _nodes.TryGetValue(node, out var held)) held.Outstanding--;
        entry.Node = null;
    }

    /// <summary>Passes a call's one answer to its caller and publishes it (<see cref="ProxyCallFinished"/>).</summary>
    private void Answer(IActorRef replyTo, string endpoint, APICallResult result, TimeSpan duration)
    {
        if (!replyTo.IsNobody() && !ReferenceEquals(replyTo, Context.System.DeadLetters)) replyTo.Tell(result, Self);
        Context.System.EventStream.Publish(new ProxyCallFinished(endpoint, result, duration));
    }

    private APICalling WithIdempotencyKey(APICalling call)
    {
        if (_options.IdempotencyKeyHeader is not { } header) return call;
        if (call.Headers is { } given && given.Keys.Any(k => string.Equals(k, header, StringComparison.OrdinalIgnoreCase))) return call;
        var headers = call.Headers is null ? new Dictionary<string, string>(1) : new Dictionary<string, string>(call.Headers);
        headers[header] = call.CallId;
        return call with { Headers = headers };
    }

    /// <summary>Asks every ready node and answers the sum; a node that does not answer in time is left out.</summary>
    private void SumStatus(GetStatus status)
    {
        var replyTo = Sender;
        var scheduler = Context.System.Scheduler;
        var nodes = _nodes.Values.Where(n => n.Ready).Select(n => n.Dispatch!).ToArray();
        if (status.Endpoint is { } endpoint)
        {
            if (nodes.Length == 0)
            {
                replyTo.Tell(new Status.Failure(new InvalidOperationException($"no dispatch node (role '{_options.Role}') is ready to report on endpoint '{endpoint}'")));
                return;
            }

            _ = AskAll<StatusSnapshot>(nodes, status).PipeTo(replyTo, Self, snapshots => snapshots.Length > 0
                ? StatusSum.Of(endpoint, snapshots, scheduler.Now)
                : new Status.Failure(new KeyNotFoundException($"no dispatch node reported on endpoint '{endpoint}'")));
            return;
        }

        _ = AskAll<DispatchStatus>(nodes, status).PipeTo(replyTo, Self, statuses => StatusSum.Of(statuses, scheduler.Now));
    }

    private async Task<T[]> AskAll<T>(IEnumerable<IActorRef> nodes, GetStatus status)
        where T : class
    {
        var timeout = _options.StatusTimeout;
        var answers = await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                return await node.Ask<T>(status, timeout).ConfigureAwait(false);
            }
            catch (Exception e) when (e is AskTimeoutException or KeyNotFoundException)
            {
                return null;
            }
        })).ConfigureAwait(false);
        return answers.OfType<T>().ToArray();
    }

    private DispatchProxyStatus ProxyStatus() => new(
        _nodes.Values.OrderBy(n => n.Address.ToString(), StringComparer.Ordinal).Select(n => new ProxyNodeStatus(n.Address.ToString(), n.Ready, n.Outstanding)).ToArray(),
        _calls.Count,
        _waiting.Count,
        _resent);

    private void StartDrain(Drain drain)
    {
        _draining = true;
        _drainRequester = Sender;
        _drainedCompleted = 0;
        if (_calls.Count == 0) EndDrain();
        else Timers.StartSingleTimer(DrainExpired.Instance, DrainExpired.Instance, drain.Timeout);
    }

    private void EndDrain()
    {
        Timers.Cancel(DrainExpired.Instance);
        var requester = _drainRequester;
        _drainRequester = null;
        var cancelled = _calls.Count;
        CancelAll("the node shut down before the call's answer arrived");
        if (requester is not null && !requester.IsNobody()) requester.Tell(new DrainCompleted(_drainedCompleted, cancelled), Self);
    }

    /// <summary>Answers every call held <see cref="CallStatus.Cancelled"/> and tells their nodes to stop working on them.</summary>
    private void CancelAll(string why)
    {
        foreach (var entry in _calls.Values.ToArray())
        {
            if (entry.Node is { } node && _nodes.TryGetValue(node, out var held)) held.Dispatch?.Tell(new CancelCall(entry.Call.CallId, entry.Call.Endpoint), ActorRefs.NoSender);
            Finish(entry, APICallResult.Cancelled(entry.Call.CallId, why));
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Creates the actor for <see cref="Props(DispatchProxyOptions?, bool)"/>.</summary>
    private sealed class Producer(DispatchProxyOptions options, bool followCluster) : IIndirectActorProducer
    {
        public Type ActorType => typeof(DispatchProxy);

        public ActorBase Produce() => new DispatchProxy(options, followCluster);

        public void Release(ActorBase actor)
        {
        }
    }

    /// <summary>A call the proxy holds: where it is and who waits for its answer.</summary>
    private sealed class ProxiedCall(APICalling call, IActorRef replyTo, DateTimeOffset accepted)
    {
        public APICalling Call { get; } = call;

        public IActorRef ReplyTo { get; } = replyTo;

        /// <summary>When the proxy took it, on the actor system's scheduler.</summary>
        public DateTimeOffset Accepted { get; } = accepted;

        /// <summary>The node it was last handed to; <see langword="null"/> while it waits for one.</summary>
        public Address? Node { get; set; }

        /// <summary>Its place in the line of calls waiting for a node.</summary>
        public LinkedListNode<ProxiedCall>? WaitingAt { get; set; }

        /// <summary>How many times it was handed to a node.</summary>
        public int Sends { get; set; }

        public bool CancelRequested { get; set; }

        /// <summary>For a streamed call sent across nodes, its current send's relay into the caller's stream.</summary>
        public StreamRelay? Relay { get; set; }

        /// <summary>A streamed call's result, held until every chunk before it has reached the caller's stream.</summary>
        public APICallResult? Answer { get; set; }
    }
}
