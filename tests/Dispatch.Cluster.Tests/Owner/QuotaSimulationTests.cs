using Dispatch.Cluster.Leasing;
using Dispatch.Cluster.Owner;
using Dispatch.Cluster.Protocol;
using Dispatch.Cluster.Tests.Support;
using Dispatch.Core.RateLimiting;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Owner;

/// <summary>
/// The owner's ledger and three nodes' lease books driven together on a virtual clock, with the
/// protocol's rules in between: messages take a few milliseconds, requests wait at the owner until they
/// can be granted, deadlines are counted from when a node asked, returns and token corrections flow back,
/// and halfway through the owner dies (what is sent to it is lost, what it sent still arrives) and a new
/// one starts, or hands over gracefully (its window goes to the new owner, the requests in its line are told
/// to ask again, and what is sent meanwhile waits in the singleton proxy). Every credit spent is audited
/// against every window.
/// </summary>
public class QuotaSimulationTests(ITestOutputHelper output)
{
    private const int RequestLimit = 50;
    private const long TokenLimit = 2_000;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(1020);
    private static readonly TimeSpan Span = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan PacedSpan = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMilliseconds(200);
    private static readonly RateLimitOptions Limits = new() { Requests = RequestLimit, Tokens = TokenLimit, Interval = Interval };
    private static readonly ClusterQuotaOptions Defaults = new();

    [Theory]
    [InlineData(1, 80, false)]
    [InlineData(2, 80, false)]
    [InlineData(3, 200, false)]
    [InlineData(4, 200, false)]
    [InlineData(1, 80, true)]
    [InlineData(2, 80, true)]
    [InlineData(3, 200, true)]
    [InlineData(4, 200, true)]
    public void Across_returns_corrections_and_a_change_of_owner_no_window_holds_more_than_the_limit(int seed, int largestEstimate, bool graceful)
    {
        var simulation = graceful ? HandOver(seed, largestEstimate) : Run(seed, largestEstimate);

        var (requests, tokens) = WindowAudit.Peak(simulation.Spent, Window);
        output.WriteLine($"spent {simulation.Spent.Count}, busiest window {requests} requests / {tokens} tokens");
        Assert.InRange(requests, 1, RequestLimit);
        Assert.InRange(tokens, 1, TokenLimit);
    }

    /// <summary>
    /// Paced leases (smooth pacing) of a quarter of the interval, each granted with a random rate and burst and counted by
    /// them; each node spends a lease through its own bound, as early as it allows (a backlog) and, after idle spells of
    /// up to a span, as late (its burst saved up, then its rate): no window of what was really spent is over the limit.
    /// With <paramref name="cuts"/>, the owner also now and then cuts a node's live leases to a random lower rate (the node,
    /// told a few milliseconds later, goes on within both bounds, or returns the rest as an idle node), and idle nodes
    /// return their leases early.
    /// </summary>
    [Theory]
    [InlineData(1, 80, false, false)]
    [InlineData(2, 80, false, false)]
    [InlineData(3, 200, false, false)]
    [InlineData(1, 80, true, false)]
    [InlineData(2, 200, true, false)]
    [InlineData(1, 80, false, true)]
    [InlineData(2, 80, false, true)]
    [InlineData(3, 200, false, true)]
    [InlineData(1, 80, true, true)]
    [InlineData(2, 200, true, true)]
    public void Paced_leases_spent_as_early_or_as_late_as_their_bounds_allow_cut_or_returned_early_keep_every_window_within_the_limit(int seed, int largestEstimate, bool graceful, bool cuts)
    {
        var simulation = new Simulation(seed, largestEstimate, paced: true, cuts: cuts);
        simulation.Run(TimeSpan.FromSeconds(20), ownerDiesAt: TimeSpan.FromSeconds(10), ownerReturnsAfter: TimeSpan.FromMilliseconds(graceful ? 20 : 500), graceful);

        var (requests, tokens) = WindowAudit.Peak(simulation.Spent, Window);
        output.WriteLine($"spent {simulation.Spent.Count} from {simulation.Grants} leases and {simulation.Cuts} cuts, busiest window {requests} requests / {tokens} tokens");
        Assert.InRange(requests, 1, RequestLimit);
        Assert.InRange(tokens, 1, TokenLimit);
        // And the bound is not slack: the binding kind's busiest window comes close to its limit.
        Assert.True(requests * 4 >= RequestLimit * 3 || tokens * 4 >= TokenLimit * 3, $"{requests} requests, {tokens} tokens");
        Assert.True(!cuts || simulation.Cuts > 50, $"only {simulation.Cuts} cuts");
    }

    /// <summary>
    /// The owner's own sharing of the rate (smooth pacing at the defaults: its allotment, cuts and the linger of a cap period),
    /// nodes pacing at their leases' rates and caps, and a provider that enforces 700 / 10 s as 70 a second. One node has a
    /// backlog throughout; the other two have one now and then (two seconds of it and two of a trickle, and three and
    /// three), so the shares are now even (233 each: 23.3 a second, whose ceiling is 24 on each node, 72 in all) and now
    /// not. No cap period of what the nodes spent together holds more than the 70 the provider allows in a second (each
    /// node's own ceiling let 71–72 through), and no window more than the limit.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Nodes_with_uneven_demand_together_spend_no_more_in_any_second_than_a_provider_enforcing_the_limit_per_second_allows(int seed)
    {
        var limits = new RateLimitOptions { Requests = 700, Interval = TimeSpan.FromSeconds(10) };
        var simulation = new Simulation(seed, 1, allotted: new Allotted(limits, limits.Interval / 3, (node, elapsed) =>
            node == 0 || (int)elapsed.TotalSeconds / (node + 1) % 2 == 0 ? 50 : 5));
        simulation.Run(TimeSpan.FromSeconds(30), ownerDiesAt: TimeSpan.FromSeconds(60), ownerReturnsAfter: TimeSpan.Zero);

        // 70 a second, counted over a second stretched by the guard's share as the cap is: 1.02 s.
        var (second, _) = WindowAudit.Peak(simulation.Spent, TimeSpan.FromMilliseconds(1020));
        var (window, _) = WindowAudit.Peak(simulation.Spent, limits.Window);
        output.WriteLine($"spent {simulation.Spent.Count} from {simulation.Grants} leases and {simulation.Cuts} cuts, busiest cap period {second}, busiest window {window}");
        Assert.InRange(second, 1, 70);
        Assert.InRange(window, 1, 700);
        // And the caps are not slack: some second comes close to what the provider allows.
        Assert.True(second * 10 >= 70 * 9, $"busiest cap period {second}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_new_owner_grants_nothing_before_one_window_and_one_span_and_then_at_once(int seed)
    {
        var simulation = Run(seed, 80);

        var resumed = simulation.Spent.Select(s => s.Start).First(t => t > simulation.RestartedAt);
        output.WriteLine($"new owner granting from +{(simulation.GrantingFrom - simulation.RestartedAt).TotalSeconds:F3}s, first spend +{(resumed - simulation.RestartedAt).TotalSeconds:F3}s");
        Assert.InRange(resumed, simulation.GrantingFrom, simulation.GrantingFrom + TimeSpan.FromMilliseconds(20));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Nodes_saturating_a_request_limit_use_at_least_95_percent_of_it(int seed)
    {
        var simulation = Run(seed, 80);

        // Between the first owner's start-up wait and its death: 2 s to 9 s.
        var from = simulation.Started + TimeSpan.FromSeconds(2);
        var steady = simulation.Spent.Count(s => s.Start >= from && s.Start < from + TimeSpan.FromSeconds(7)) / 7.0;
        output.WriteLine($"{steady:F1} calls/s of {RequestLimit} per interval");
        Assert.True(steady >= 0.95 * RequestLimit / Interval.TotalSeconds, $"{steady:F1} calls/s");
    }

    /// <summary>Three nodes for 20 s; the owner dies at 10 s and a new one starts half a second later.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void After_a_graceful_hand_over_the_new_owner_grants_without_waiting_a_window(int seed)
    {
        var simulation = HandOver(seed, 80);

        // Spends within one span of the hand-over may still come from the old owner's leases.
        var resumed = simulation.Spent.Select(s => s.Start).First(t => t > simulation.RestartedAt + Span);
        output.WriteLine($"new owner granting from +{(simulation.GrantingFrom - simulation.RestartedAt).TotalSeconds:F3}s, first spend +{(resumed - simulation.RestartedAt).TotalSeconds:F3}s");
        Assert.Equal(simulation.RestartedAt, simulation.GrantingFrom);
        // Waiting would have meant nothing before one window and one span; a saturated window frees credits in
        // the rhythm of the grants one window earlier, so "at once" is as soon as the old window frees any.
        Assert.InRange(resumed, simulation.RestartedAt, simulation.RestartedAt + Window / 2);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Merging_leases_that_free_a_moment_apart_grants_fewer_leases_and_keeps_the_limit_used(int seed)
    {
        var split = Saturate(seed, merge: TimeSpan.Zero);
        var merged = Saturate(seed, QuotaOwnerActor.MergeTimeFor(Span));

        output.WriteLine($"leases without merging {split.Simulation.Grants}, merging {merged.Simulation.Grants}; {split.Rate:F1} and {merged.Rate:F1} calls/s");
        Assert.True(merged.Simulation.Grants * 4 <= split.Simulation.Grants * 3, $"{merged.Simulation.Grants} leases merging, {split.Simulation.Grants} without");
        Assert.True(merged.Rate >= 0.95 * RequestLimit / Interval.TotalSeconds, $"{merged.Rate:F1} calls/s");
    }

    /// <summary>Three nodes with a backlog for 20 s and no change of owner; the calls spent per second from 2 s to 9 s.</summary>
    private static (Simulation Simulation, double Rate) Saturate(int seed, TimeSpan merge)
    {
        var simulation = new Simulation(seed, 80, merge);
        simulation.Run(TimeSpan.FromSeconds(20), ownerDiesAt: TimeSpan.FromSeconds(30), ownerReturnsAfter: TimeSpan.Zero);
        var from = simulation.Started + TimeSpan.FromSeconds(2);
        return (simulation, simulation.Spent.Count(s => s.Start >= from && s.Start < from + TimeSpan.FromSeconds(7)) / 7.0);
    }

    private static Simulation Run(int seed, int largestEstimate)
    {
        var simulation = new Simulation(seed, largestEstimate);
        simulation.Run(TimeSpan.FromSeconds(20), ownerDiesAt: TimeSpan.FromSeconds(10), ownerReturnsAfter: TimeSpan.FromMilliseconds(500));
        return simulation;
    }

    /// <summary>Three nodes for 20 s; at 10 s the owner hands over to a new one, which starts 20 ms later.</summary>
    private static Simulation HandOver(int seed, int largestEstimate)
    {
        var simulation = new Simulation(seed, largestEstimate);
        simulation.Run(TimeSpan.FromSeconds(20), ownerDiesAt: TimeSpan.FromSeconds(10), ownerReturnsAfter: TimeSpan.FromMilliseconds(20), graceful: true);
        return simulation;
    }

    private sealed class Simulation
    {
        /// <summary>How long a rate and its cap linger at the owner (the cap period at the default guard).</summary>
        private static readonly TimeSpan CapPeriod = TimeSpan.FromMilliseconds(1020);

        private readonly Random _random;
        private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        private readonly List<(DateTimeOffset At, long Order, Action Deliver)> _network = [];
        private readonly Node[] _nodes;
        private readonly List<Waiting> _line = [];
        private readonly List<Action<QuotaLedger>> _proxied = [];
        private readonly TimeSpan _merge;
        private readonly PaceAllotment? _allotment;
        private QuotaLedger? _ledger;
        // With the allotment, as the owner: the line is looked at again when a message arrives or its wake falls due.
        private DateTimeOffset _wakeAt;
        private (HandedOverLease[] Leases, TimeSpan GrantingIn)? _handedOver;
        private long _owner = 1;
        private long _order;

        /// <param name="seed">Seeds the arrivals, estimates, usage and message delays.</param>
        /// <param name="largestEstimate">Calls estimate 1 to this many tokens.</param>
        /// <param name="merge">How long the owner waits for the rest of a lease that frees that soon (default: as the owner).</param>
        /// <param name="paced">Whether leases are paced (a quarter of the interval long, each with a random rate and burst, spent through its bound).</param>
        /// <param name="cuts">Whether the owner now and then cuts a node's live paced leases, and idle nodes return theirs early.</param>
        /// <param name="allotted">Paced leases at the rates, bursts and caps the owner's allotment shares out, under these limits and demand.</param>
        public Simulation(int seed, int largestEstimate, TimeSpan? merge = null, bool paced = false, bool cuts = false, Allotted? allotted = null)
        {
            CutsLeases = cuts;
            _merge = merge ?? QuotaOwnerActor.MergeTimeFor(Span);
            _random = new Random(seed);
            LargestEstimate = largestEstimate;
            Allotted = allotted;
            Options = allotted?.Limits ?? Limits;
            Paced = paced || allotted is not null;
            LeaseSpan = allotted?.Span ?? (paced ? PacedSpan : Span);
            Started = Now;
            if (allotted is not null) _allotment = new PaceAllotment(Options);
            _nodes = Enumerable.Range(0, 3).Select(i => new Node(this, i)).ToArray();
            // With the allotment, the owner grants from the start (the new owner's wait is the other runs' business).
            _ledger = NewLedger(allotted is null ? Now : Now - Options.Window - LeaseSpan);
        }

        public bool Paced { get; }

        public Allotted? Allotted { get; }

        /// <summary>
        /// How long a node waits for its request's grant before it asks again: with the allotment, as long as the lease client
        /// waits for a deferred request (a window and a span; the owner holds a request while others hold the rate, and a
        /// request asked again measures what its node wants over the wait, nothing).
        /// </summary>
        public TimeSpan AskAgainAfter => Allotted is null ? RequestTimeout : Options.Window + LeaseSpan;

        /// <summary>The endpoint's limits.</summary>
        public RateLimitOptions Options { get; }

        public bool CutsLeases { get; }

        /// <summary>Leases the owners cut.</summary>
        public int Cuts { get; private set; }

        public TimeSpan LeaseSpan { get; }

        public DateTimeOffset Started { get; }

        /// <summary>Leases the owners granted.</summary>
        public int Grants { get; private set; }

        /// <summary>Calls estimate 1 to this many tokens (a large one makes the token limit bind).</summary>
        public int LargestEstimate { get; }

        public List<WindowAudit.Span> Spent { get; } = [];

        public DateTimeOffset RestartedAt { get; private set; }

        public DateTimeOffset GrantingFrom { get; private set; }

        private DateTimeOffset Now => _time.GetUtcNow();

        public void Run(TimeSpan length, TimeSpan ownerDiesAt, TimeSpan ownerReturnsAfter, bool graceful = false)
        {
            var end = Started + length;
            bool dead = false, died = false;
            while (Now < end)
            {
                _time.Advance(Step);
                if (!died && Now >= Started + ownerDiesAt)
                {
                    if (graceful) HandOver();
                    (dead, died, _ledger) = (true, true, null);
                    _line.Clear();
                }

                if (dead && Now >= Started + ownerDiesAt + ownerReturnsAfter)
                {
                    (dead, _owner) = (false, _owner + 1);
                    var ledger = _ledger = NewLedger(Now);
                    // The window arrives no sooner than the new owner starts: its leases count from then.
                    if (_handedOver is { } window) Assert.True(ledger.TakeOver(window.Leases, window.GrantingIn, Now));
                    (RestartedAt, GrantingFrom) = (Now, ledger.GrantingFrom);
                    foreach (var deliver in _proxied) deliver(ledger);
                    _proxied.Clear();
                }

                Deliver();
                GrantWaiting();
                foreach (var node in _nodes) node.Tick();
            }
        }

        private QuotaLedger NewLedger(DateTimeOffset startedAt) => new(Options.Requests, Options.Tokens, Options.Window, LeaseSpan, startedAt, _owner);

        /// <summary>A message that arrives after 0 to 5 ms.</summary>
        public void Send(Action deliver) => _network.Add((Now + TimeSpan.FromMilliseconds(_random.Next(0, 6)), _order++, deliver));

        public void ToOwner(Action<QuotaLedger> deliver) => Send(() =>
        {
            // A message to a dead owner is lost; during a hand-over the singleton proxy keeps it for the next one.
            if (_ledger is { } ledger)
            {
                deliver(ledger);
                _wakeAt = Now;
            }
            else if (_handedOver is not null) _proxied.Add(deliver);
        });

        public void Request(Node node, RequestLease request) => ToOwner(ledger =>
        {
            Apply(ledger, request.Returns);
            var index = _line.FindIndex(w => w.Node == node);
            _allotment?.Want(node.Name, request.WantedPace);
            var waiting = new Waiting(node, request, Now);
            if (index >= 0) _line[index] = waiting;
            else _line.Add(waiting);
        });

        public void Return(LeaseReturn[] returns) => ToOwner(ledger => Apply(ledger, returns));

        public void Spend(DateTimeOffset at, long tokens) => Spent.Add(new WindowAudit.Span(at, at, 1, tokens));

        public int Next(int min, int max) => _random.Next(min, max);

        private void Apply(QuotaLedger ledger, LeaseReturn[] returns)
        {
            foreach (var lease in returns) ledger.Return(lease.Owner, lease.Lease, lease.UsedRequests, lease.UsedTokens, Now);
        }

        /// <summary>The owner stops granting, hands its window over and tells the nodes in its line to ask again.</summary>
        private void HandOver()
        {
            var ledger = _ledger!;
            _handedOver = (ledger.HandOver(Now), ledger.GrantingFrom > Now ? ledger.GrantingFrom - Now : TimeSpan.Zero);
            foreach (var (node, request, _) in _line) Send(() => node.Dropped(request.RequestId));
        }

        private void GrantWaiting()
        {
            // Now and then a node's live leases are cut to a random lower rate and burst, as when another node waits.
            if (CutsLeases && _ledger is { } owner && _random.Next(0, 100) < 2)
            {
                var node = _nodes[_random.Next(_nodes.Length)];
                var rate = _random.Next(1, RequestLimit / 2);
                var pace = new LeasePace(rate, rate * TokenLimit / RequestLimit, _random.Next(1, 3), _random.Next(1, 150));
                var incarnation = _owner;
                foreach (var cut in owner.Cut(node.Name, pace, Now))
                {
                    Cuts++;
                    Send(() => node.Cut(new LeaseCut("api", incarnation, cut.Lease, cut.Successor, cut.Requests, cut.Tokens, pace, cut.Bound)));
                }
            }

            while (_ledger is { } ledger && _line.Count > 0 && (_allotment is null || Now >= _wakeAt))
            {
                var (node, request, arrived) = _line[0];
                var (maxRequests, maxTokens) = (request.MaxRequests, request.MaxTokens);
                LeasePace? pace;
                if (_allotment is not null)
                {
                    // As the owner: the allotment's pace, or the others above their share cut to it while this node waits.
                    pace = _allotment.Allot(node.Name, ledger.RequestLimitInForce, ledger.TokenLimitInForce, ledger.LivePaces(Now, CapPeriod), _line.Select(w => w.Node.Name));
                    if (pace is null)
                    {
                        CutFor(ledger, node.Name);
                        _wakeAt = ledger.NextPaceEnd(node.Name, Now, CapPeriod) ?? Now + LeaseSpan;
                        return;
                    }

                    (maxRequests, maxTokens) = PaceAllotment.LeaseSize(pace, LeaseSpan, Options.Window, request);
                }
                else
                {
                    // Any rate and burst: the window must hold whatever the leases were granted with.
                    var rate = _random.Next(2, RequestLimit + 1);
                    pace = Paced ? new LeasePace(rate, rate * TokenLimit / RequestLimit, _random.Next(1, 5), _random.Next(1, 300)) : null;
                }

                var decision = ledger.TryGrant(node.Name, request.MinRequests, request.MinTokens, maxRequests, maxTokens, LeaseSpan, Now, _merge, pace);
                if (!decision.Granted)
                {
                    _wakeAt = decision.RetryAt;
                    return;
                }

                _line.RemoveAt(0);
                Grants++;
                var grant = new LeaseGranted("api", request.RequestId, _owner, decision.Lease.Number, decision.Lease.Requests, decision.Lease.Tokens, Now - arrived, LeaseSpan, pace, decision.Lease.Bound);
                Send(() => node.Granted(grant));
            }
        }

        /// <summary>As the owner: the nodes above their share while <paramref name="waiting"/> waits are cut to it, each lease once.</summary>
        private void CutFor(QuotaLedger ledger, string waiting)
        {
            var incarnation = _owner;
            foreach (var (name, pace) in _allotment!.Cuts(waiting, ledger.RequestLimitInForce, ledger.TokenLimitInForce, ledger.LivePaces(Now), _line.Select(w => w.Node.Name)))
            {
                var node = _nodes.Single(n => n.Name == name);
                foreach (var cut in ledger.Cut(name, pace, Now))
                {
                    Cuts++;
                    Send(() => node.Cut(new LeaseCut("api", incarnation, cut.Lease, cut.Successor, cut.Requests, cut.Tokens, pace, cut.Bound)));
                }
            }
        }

        private void Deliver()
        {
            var due = _network.Where(m => m.At <= Now).OrderBy(m => m.At).ThenBy(m => m.Order).ToArray();
            _network.RemoveAll(m => m.At <= Now);
            foreach (var message in due) message.Deliver();
        }

        private sealed record Waiting(Node Node, RequestLease Request, DateTimeOffset Arrived);

        /// <summary>A node: calls arrive faster than the limit allows, and are spent from its leases as its lease client would get them.</summary>
        public sealed class Node(Simulation simulation, int index)
        {
            // Sized as the defaults size them: from 4 up to a quarter of the limit.
            private readonly LeaseBook _book = new(simulation.Options.Requests, simulation.Options.Tokens, simulation.Options.Window, Defaults.MinLeaseRequests, Defaults.MaxLeaseFor(simulation.Options));
            // With the owner's allotment, the node's pacing at its leases' rates and caps, as at its credit source.
            private readonly LeasePacer? _pacer = simulation.Allotted is null ? null : new LeasePacer(simulation.Options, simulation.LeaseSpan);
            private readonly Queue<long> _calls = new();
            private readonly Dictionary<long, DateTimeOffset> _sentAt = [];
            private (long Id, DateTimeOffset At, LeaseReturn[] Returns)? _outstanding;
            private long _requests;
            private DateTimeOffset _lastFlush;
            private DateTimeOffset _idleUntil;

            public string Name { get; } = "node" + index;

            private DateTimeOffset Now => simulation.Now;

            public void Tick()
            {
                var arrivals = simulation.Allotted?.Arrivals(index, Now - simulation.Started) ?? 40;
                if (simulation.Next(0, 1000) < arrivals) _calls.Enqueue(simulation.Next(1, simulation.LargestEstimate + 1));
                _book.RetireExpired(Now);
                _book.Prune(Now);
                // Paced: now and then the node holds its calls back for up to a span, then spends as fast as its leases let it
                // (not with the allotment: a node asks for what it spends, and its demand comes as its calls do).
                if (simulation.Paced && _pacer is null && Now >= _idleUntil && simulation.Next(0, 1000) < 5)
                {
                    _idleUntil = Now + TimeSpan.FromMilliseconds(simulation.Next(0, (int)PacedSpan.TotalMilliseconds));
                    // An idle node may give its paced leases back early.
                    if (simulation.CutsLeases && simulation.Next(0, 2) == 0) _book.RetirePaced();
                }

                var idle = Now < _idleUntil;
                while (!idle && _calls.TryPeek(out var estimate) && Wait(estimate) == 0 && _book.TryTake(1, estimate, Now, out var grantId))
                {
                    _calls.Dequeue();
                    _pacer?.Take(1, estimate, Now.UtcTicks);
                    // The call really uses at most its estimate (often exactly); the correction comes back after its response.
                    var used = simulation.Next(0, 2) == 0 ? estimate : simulation.Next(0, (int)estimate + 1);
                    simulation.Spend(Now, used);
                    simulation.Send(() => _book.Reconcile(grantId, used));
                }

                if (_outstanding is { } outstanding && Now - outstanding.At >= simulation.AskAgainAfter)
                {
                    _book.Unsend(outstanding.Returns);
                    _outstanding = null;
                }

                // A call its lease's own pace holds back waits for it, as at the credit source; it asks for no lease.
                var wanted = (_calls.Count > 0 && (idle || Wait(_calls.Peek()) == 0)) || (_book.OpenLeases > 0 && _book.IsRunningLow(Now));
                // A call no lease could serve, the last having been spent before its deadline: the node wants more than it held.
                if (_calls.Count > 0 && !idle && _book.Outran && Wait(_calls.Peek()) == 0) _pacer?.HeldBackByLease();
                if (wanted && _outstanding is null)
                {
                    var ask = _book.NextAsk(1, _calls.TryPeek(out var head) ? head : 1);
                    var returns = _book.TakeReturns();
                    var id = ++_requests;
                    _sentAt[id] = Now;
                    _outstanding = (id, Now, returns);
                    simulation.Request(this, new RequestLease("api", id, ask.MinRequests, ask.MinTokens, ask.MaxRequests, ask.MaxTokens, returns, _pacer?.Wanted(Now.UtcTicks) ?? 0));
                }
                else if (_book.HasUrgentReturns || (_book.HasUnsentReturns && Now - _lastFlush >= simulation.LeaseSpan))
                {
                    _lastFlush = Now;
                    simulation.Return(_book.TakeReturns());
                }
            }

            /// <summary>A cut arrives: the lease goes on within both bounds, or (now and then, as an idle node) goes back with its rest.</summary>
            public void Cut(LeaseCut cut)
            {
                if (_book.Cut(cut, idle: Now < _idleUntil && simulation.Next(0, 2) == 0, Now)) _pacer?.Apply(cut.Pace);
            }

            public void Dropped(long requestId)
            {
                if (_outstanding is not { } outstanding || outstanding.Id != requestId) return;
                _book.Unsend(outstanding.Returns);
                _outstanding = null;
            }

            public void Granted(LeaseGranted grant)
            {
                // As the lease client: the deadline counts from when this node asked, by its own clock.
                var deadline = _sentAt.TryGetValue(grant.RequestId, out var sentAt) ? sentAt + grant.Held + grant.Span : Now;
                _book.Add(grant, deadline, Now);
                if (grant.Pace is { } pace) _pacer?.Apply(pace);
                if (_outstanding?.Id == grant.RequestId) _outstanding = null;
            }

            /// <summary>How long until a call of <paramref name="estimate"/> tokens fits both the node's pacing and its leases' bounds (0: now).</summary>
            private long Wait(long estimate) =>
                _book.OpenLeases > 0 ? Math.Max(_pacer?.Wait(1, estimate, Now.UtcTicks) ?? 0, _book.Wait(1, estimate, Now)) : _book.Wait(1, estimate, Now);
        }
    }

    /// <summary>A simulation whose owner shares the paced rate out with its allotment (<see cref="PaceAllotment"/>).</summary>
    /// <param name="Limits">The endpoint's limits.</param>
    /// <param name="Span">The lease span.</param>
    /// <param name="Arrivals">Per node (0 to 2) and time since the start, the chance in a thousand that a call arrives in a millisecond.</param>
    private sealed record Allotted(RateLimitOptions Limits, TimeSpan Span, Func<int, TimeSpan, int> Arrivals);
}
