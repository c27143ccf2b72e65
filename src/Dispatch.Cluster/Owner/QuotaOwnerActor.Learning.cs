using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Dispatch.Cluster.Protocol;
using Dispatch.Core.RateLimiting;

namespace Dispatch.Cluster.Owner;

/// <summary>
/// What the nodes learn from the provider, applied to the one quota: <see cref="LimitObserved"/> goes into the same
/// <see cref="LearnedLimit"/> per kind a standalone endpoint uses, and the ledger grants from the limits in force.
/// </summary>
/// <remarks>
/// <para>
/// <b>Headers.</b> A reading of <c>remaining</c> below the owner's free credits (<see cref="Judge"/>) means the provider
/// allows what it had counted plus that: the calls
/// every node had sent in its interval and got answered. Each node reports its own count with its readings; the owner
/// adds them up (<see cref="ProviderCounts"/>: calls still in flight and calls sent since are missed, so the estimate
/// errs low). A reported limit lower than the configured one is believed as it is. Either is believed until the
/// reported reset but at least two windows (<see cref="Believed"/>), and replaced by the next reading.
/// </para>
/// <para>
/// <b>429s without headers</b> are known by the lease their call was granted from: a 429 of a lease granted after
/// the last decrease cuts the limit (multiplicative decrease), earlier ones were sent at the old rate and say nothing
/// new, whichever node saw them. A lease of an earlier owner counts as older than all of this owner's.
/// The successes the nodes report raise it again after the hold (additive increase), never above the configured limit.
/// </para>
/// <para>
/// A change goes to every node on the endpoint's pause topic (<see cref="LimitsInForce"/>): a decrease at once, a rise
/// at most once per lease span. A node that asks for its first lease is told the limits in force, and so is a node that
/// reports while it may not know them (it joined the topic after the announcement). A new owner starts
/// from the configured limits (the nodes report again soon enough: at once on a lower limit or a 429), unless it takes
/// over its predecessor's window on a graceful hand-over, which carries the limits in force.
/// </para>
/// </remarks>
internal sealed partial class QuotaOwnerActor
{
    private readonly Dictionary<IActorRef, (long? Requests, long? Tokens)> _toldClients = [];
    private ProviderCounts _counted = null!;
    private LearnedLimit? _learnedRequests;
    private LearnedLimit? _learnedTokens;
    private DateTimeOffset _limitsToldAt = DateTimeOffset.MinValue;
    private (long? Requests, long? Tokens) _limitsTold;

    private void ReceiveLearning()
    {
        if (_limits.Requests is { } requests) _learnedRequests = new LearnedLimit(requests, _limits.Window);
        if (_limits.Tokens is { } tokens) _learnedTokens = new LearnedLimit(tokens, _limits.Window);
        _limitsTold = (_limits.Requests, _limits.Tokens);
        _counted = new ProviderCounts(_limits.Interval);
        Receive<LimitObserved>(Learn);
        // Its own announcements come back on the topic it publishes them on.
        Receive<LimitsInForce>(_ => { });
    }

    private void Learn(LimitObserved fact)
    {
        var now = Now;
        var ticks = _ledger.Advance(now);
        var (requests, tokens) = _counted.Report(NodeOf(Sender), (fact.CountedRequests, fact.CountedTokens), (fact.RecentRequests, fact.RecentTokens), now);
        if (fact.HasReading)
        {
            // Readings race the calls in flight (a node reads its answers in any order), so a count can hold calls the
            // provider had not seen when it answered: a margin of the configured limit keeps the estimate below its limit.
            requests = Math.Max(0, requests - Margin(_limits.Requests));
            tokens = Math.Max(0, tokens - Margin(_limits.Tokens));
            var (requestLimit, remainingRequests) = Judge(fact.RequestLimit, fact.RemainingRequests, requests, _ledger.RequestLimitInForce, _ledger.RequestsInWindow);
            var (tokenLimit, remainingTokens) = Judge(fact.TokenLimit, fact.RemainingTokens, tokens, _ledger.TokenLimitInForce, _ledger.TokensInWindow);
            _learnedRequests?.Report(requestLimit, remainingRequests, requests, Believed(fact.ResetRequests), ticks);
            _learnedTokens?.Report(tokenLimit, remainingTokens, tokens, Believed(fact.ResetTokens), ticks);
        }

        if (fact.Throttled is { } lease)
        {
            // Lease numbers order this owner's grants; an earlier owner's lease is older than all of them.
            var grant = lease.Owner == _incarnation ? lease.Lease : 0;
            _learnedRequests?.Throttled(grant, _ledger.LatestLease, ticks);
            _learnedTokens?.Throttled(grant, _ledger.LatestLease, ticks);
        }

        // About one success per credit per window raises the limit; more than two windows' worth in one report adds nothing.
        var successes = Math.Min(fact.Successes, 2 * Math.Max(_limits.Requests ?? 0, _limits.Tokens ?? 0));
        for (var i = 0; i < successes; i++)
        {
            _learnedRequests?.Succeeded(ticks);
            _learnedTokens?.Succeeded(ticks);
        }

        if (RefreshLimits(now)) GrantWaiting();
        // A node that missed an announcement (the pause topic's gossip had not reached it yet) hears it now.
        if (!_toldClients.TryGetValue(Sender, out var told) || told != (_ledger.RequestLimitInForce, _ledger.TokenLimitInForce)) TellLimits(Sender);
    }

    /// <summary>Hands the learned limits in force to the ledger when they changed, and tells the nodes; returns whether either rose.</summary>
    private bool RefreshLimits(DateTimeOffset now)
    {
        var ticks = _ledger.Advance(now);
        var requests = _learnedRequests?.InForce(ticks);
        var tokens = _learnedTokens?.InForce(ticks);
        var (oldRequests, oldTokens) = (_ledger.RequestLimitInForce, _ledger.TokenLimitInForce);
        if (requests == oldRequests && tokens == oldTokens) return false;

        _ledger.LimitTo(requests, tokens);
        var lowered = requests < oldRequests || tokens < oldTokens;
        // The first departure from the configured limits is news; the estimate's later moves are not.
        if (lowered && oldRequests == _limits.Requests && oldTokens == _limits.Tokens)
        {
            _log.Info("Quota owner of endpoint {Endpoint} grants from {RequestsInForce} requests and {TokensInForce} tokens per interval (configured {Requests} and {Tokens}): learned from the provider",
                _endpoint, requests, tokens, _limits.Requests, _limits.Tokens);
        }
        else
        {
            _log.Debug("Quota owner of endpoint {Endpoint} grants from {RequestsInForce} requests and {TokensInForce} tokens per interval", _endpoint, requests, tokens);
        }

        // A decrease goes out at once; the slow rise of additive increase at most once per lease span.
        if (lowered || now >= _limitsToldAt + _span) Announce(now);
        return requests > oldRequests || tokens > oldTokens;
    }

    private void Announce(DateTimeOffset now)
    {
        var limits = (_ledger.RequestLimitInForce, _ledger.TokenLimitInForce);
        if (limits == _limitsTold) return;
        _limitsTold = limits;
        _limitsToldAt = now;
        DistributedPubSub.Get(Context.System).Mediator.Tell(
            new Publish(ClusterQuota.PauseTopic(_endpoint), new LimitsInForce(_endpoint, limits.RequestLimitInForce, limits.TokenLimitInForce)), Self);
    }

    /// <summary>
    /// The limits a predecessor learned, taken over with its window: believed as a reading of the provider's limit would be
    /// (two windows at least, renewed by the nodes' next reports), so the new owner does not grant from the configured
    /// limits meanwhile; then announced to the nodes.
    /// </summary>
    private void TakeOverLimits(QuotaHandOver handOver, DateTimeOffset now)
    {
        if (handOver.RequestsInForce is null && handOver.TokensInForce is null) return;
        var ticks = _ledger.Advance(now);
        if (handOver.RequestsInForce is { } requests) _learnedRequests?.Report(requests, null, 0, Believed(null), ticks);
        if (handOver.TokensInForce is { } tokens) _learnedTokens?.Report(tokens, null, 0, Believed(null), ticks);
        RefreshLimits(now);
    }

    /// <summary>A node asking for its first lease of this owner learns the limits in force (an earlier owner's may have been lower).</summary>
    private void TellLimits(IActorRef client)
    {
        _toldClients[client] = (_ledger.RequestLimitInForce, _ledger.TokenLimitInForce);
        client.Tell(new LimitsInForce(_endpoint, _ledger.RequestLimitInForce, _ledger.TokenLimitInForce), Self);
    }

    /// <summary>
    /// What a reading says, for <see cref="LearnedLimit.Report"/>: a <c>remaining</c> lower than the ledger's free credits
    /// (the limit in force less what its window holds, all leases in full) means the provider is tighter than the owner
    /// believes, and counts as it is (with the nodes' counts). One at or above them agrees with the limit in force, which
    /// is kept (its belief renewed), or raised to what <c>remaining</c> and the counts show, if that is more: the counts err
    /// low (<see cref="ProviderCounts"/>), so a limit learned too low recovers without passing the provider's. A reported
    /// limit still caps it. (The remaining alone says nothing about the limit: it is large whenever the budget is not used.)
    /// </summary>
    private static (long? Limit, long? Remaining) Judge(long? limit, long? remaining, long counted, long? inForce, long inWindow)
    {
        if (remaining is not { } left || inForce is not { } force) return (limit, remaining);
        if (left < force - inWindow) return (limit, left);
        var kept = Math.Max(force, left + counted);
        return (limit is { } reported ? Math.Min(reported, kept) : kept, null);
    }

    /// <summary>What a count is lowered by: <see cref="LearnedLimit.IncreaseShare"/> of the configured limit.</summary>
    private static long Margin(long? configured) => configured is { } limit ? (long)Math.Ceiling(limit * LearnedLimit.IncreaseShare) : 0;

    /// <summary>
    /// How long a reading is believed: until its reset, and at least two windows. A node refreshes it once per window
    /// while its calls are answered, but at a binding limit its calls come in bursts up to one window and one span
    /// apart (the leases' accounting), and a belief that ran out in such a gap would let the owner grant the
    /// configured limit at once.
    /// </summary>
    private TimeSpan Believed(TimeSpan? reset)
    {
        var least = 2 * _limits.Window;
        return reset is { } value && value > least ? value : least;
    }

}
