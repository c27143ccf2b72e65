using System.Buffers;
using System.Text;
using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Budget;

/// <summary>
/// The rate-limit budget that all nodes of a cluster share through Redis. Each call is one atomic
/// Lua script run (<c>SharedBudget.lua</c>) that checks and updates the request and token sums
/// together, on the server's clock, so that across all nodes no window of the interval ever holds
/// more granted requests or tokens than the limits.
/// </summary>
/// <remarks>
/// <para>Leases hand a node a batch of credits in one round trip. A lease is counted in full from
/// the moment it is made until its duration has passed, and for every window touching that span,
/// so credits a node never spends (because it died, or the work ran out) only go unused; they
/// can never be granted twice.</para>
/// <para>A pause (a provider's 429 with <c>Retry-After</c>) stops every node's acquisitions and
/// leases until it ends. Credits already leased out stay spendable until their lease ends, so
/// leases should be short.</para>
/// <para>A Redis restarted without its data has forgotten the grants still in the window; unless
/// <see cref="SharedBudgetOptions.GuardAgainstRedisRestart"/> is off, nothing is granted until it
/// has been up for an interval plus the longest lease (<see cref="BudgetDenial.RedisRestarted"/>).</para>
/// </remarks>
public sealed class SharedBudget
{
    private const int AcquireArgCount = 10;
    private static readonly RedisScript Script = LoadScript();
    private static readonly RedisValue AcquireOp = Encoding.ASCII.GetBytes("acquire");
    private static readonly RedisValue PauseOp = Encoding.ASCII.GetBytes("pause");
    private static readonly RedisValue ReconcileOp = Encoding.ASCII.GetBytes("reconcile");
    private static readonly RedisValue UsageOp = Encoding.ASCII.GetBytes("usage");

    private readonly CountingCommandExecutor _redis;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxLease;
    private readonly TimeSpan _sendWithin;
    private readonly bool _guard;
    private readonly Dictionary<string, Endpoint> _endpoints;

    /// <summary>Creates the budget over a Redis connection or client.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public SharedBudget(IRedisCommandExecutor redis, SharedBudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _redis = new CountingCommandExecutor(redis);
        _time = options.TimeProvider;
        _maxLease = options.MaxLeaseDuration;
        _sendWithin = options.SendWithin;
        _guard = options.GuardAgainstRedisRestart;
        _endpoints = options.Endpoints.ToDictionary(
            pair => pair.Key,
            pair => new Endpoint(pair.Value, KeysFor(options.KeyPrefix, pair.Key)),
            StringComparer.Ordinal);
    }

    /// <summary>Commands this budget has sent to Redis (each one round trip), for measuring round trips per call.</summary>
    internal long CommandsSent => _redis.CommandsSent;

    /// <summary>The Lua script, for inspection and for loading it ahead of time.</summary>
    public static RedisScript BudgetScript => Script;

    /// <summary>The Redis keys of an endpoint's budget: log, grants, state, pause and ready.</summary>
    public static IReadOnlyList<string> KeyNames(string keyPrefix, string endpoint) =>
        new[] { "log", "grants", "state", "pause", "ready" }.Select(part => $"{keyPrefix}:{{{endpoint}}}:{part}").ToArray();

    /// <summary>
    /// Acquires exactly <paramref name="requests"/> requests and <paramref name="tokens"/> tokens, or none; the grant is
    /// counted until <see cref="SharedBudgetOptions.SendWithin"/> after it.
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint is not configured, or an amount is negative.</exception>
    /// <exception cref="RedisException">Redis failed or could not be reached.</exception>
    public Task<BudgetAcquisition> TryAcquireAsync(string endpoint, long requests, long tokens, CancellationToken cancellationToken = default)
    {
        RequireAmounts(requests, requests, tokens, tokens);
        return AcquireAsync(endpoint, requests, requests, tokens, tokens, _sendWithin, [], cancellationToken);
    }

    /// <summary>
    /// Leases up to <paramref name="maxRequests"/> requests and <paramref name="maxTokens"/> tokens (at least the minimums,
    /// or nothing) for <paramref name="duration"/>. The whole lease counts as used from now until the duration ends;
    /// the node spends it locally and must stop at <see cref="BudgetAcquisition.UseBeforeTimestamp"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint is not configured, or the amounts or duration are invalid.</exception>
    /// <exception cref="RedisException">Redis failed or could not be reached.</exception>
    public Task<BudgetAcquisition> LeaseAsync(string endpoint, long maxRequests, long maxTokens, TimeSpan duration,
        long minRequests = 1, long minTokens = 0, CancellationToken cancellationToken = default) =>
        LeaseCorrectingAsync(endpoint, maxRequests, maxTokens, duration, minRequests, minTokens, [], cancellationToken);

    /// <summary>
    /// <see cref="LeaseAsync(string, long, long, TimeSpan, long, long, CancellationToken)"/> that first applies
    /// <paramref name="corrections"/> (as <see cref="ReconcileAsync(string, string, long, long, CancellationToken)"/> would)
    /// in the same script run: a node ships the returns of its spent leases with its next lease request.
    /// </summary>
    internal Task<BudgetAcquisition> LeaseCorrectingAsync(string endpoint, long maxRequests, long maxTokens, TimeSpan duration,
        long minRequests, long minTokens, IReadOnlyList<GrantCorrection> corrections, CancellationToken cancellationToken = default)
    {
        RequireAmounts(minRequests, maxRequests, minTokens, maxTokens);
        if (duration < TimeSpan.Zero || duration > _maxLease)
            throw new ArgumentOutOfRangeException(nameof(duration), duration, $"A lease lasts from zero to the configured maximum ({_maxLease}).");
        RequireCorrections(corrections);
        return AcquireAsync(endpoint, minRequests, maxRequests, minTokens, maxTokens, duration, corrections, cancellationToken);
    }

    /// <summary>Pauses every node's grants for this endpoint for <paramref name="retryAfter"/> (a provider's <c>Retry-After</c>).</summary>
    /// <remarks>A duration rather than a point in time, because nodes' clocks differ; a shorter pause never cuts a longer one short.</remarks>
    /// <returns>How long the endpoint is now paused for.</returns>
    public async Task<TimeSpan> PauseAsync(string endpoint, TimeSpan retryAfter, CancellationToken cancellationToken = default)
    {
        var target = Find(endpoint);
        if (retryAfter <= TimeSpan.Zero) return TimeSpan.Zero;
        long ms = (long)Math.Ceiling(retryAfter.TotalMilliseconds);
        var reply = await _redis.EvalShaAsync(Script, target.Keys, new RedisValue[] { PauseOp, ms }, cancellationToken).ConfigureAwait(false);
        return TimeSpan.FromMilliseconds(reply.AsLong());
    }

    /// <summary>Pauses every node's grants for this endpoint until <paramref name="until"/> on this node's clock.</summary>
    /// <returns>How long the endpoint is now paused for.</returns>
    public Task<TimeSpan> PauseAsync(string endpoint, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        PauseAsync(endpoint, until - _time.GetUtcNow(), cancellationToken);

    /// <summary>How much longer the endpoint is paused by a 429 of any node; zero when it is not paused.</summary>
    /// <exception cref="ArgumentException">The endpoint is not configured.</exception>
    /// <exception cref="RedisException">Redis failed or could not be reached.</exception>
    public async Task<TimeSpan> PausedForAsync(string endpoint, CancellationToken cancellationToken = default)
    {
        var target = Find(endpoint);
        long ms = (await _redis.ExecuteAsync("PTTL", target.Keys.AsMemory(3, 1), cancellationToken).ConfigureAwait(false)).AsLong();
        return ms > 0 ? TimeSpan.FromMilliseconds(ms) : TimeSpan.Zero;
    }

    /// <summary>What all nodes' grants still in the window count against an endpoint's limits (for status), and any pause.</summary>
    /// <exception cref="ArgumentException">The endpoint is not configured.</exception>
    /// <exception cref="RedisException">Redis failed or could not be reached.</exception>
    public async Task<BudgetUsage> UsageAsync(string endpoint, CancellationToken cancellationToken = default)
    {
        var target = Find(endpoint);
        var reply = await _redis.EvalShaAsync(Script, target.Keys, new RedisValue[] { UsageOp, target.Limits.IntervalMicros }, cancellationToken)
            .ConfigureAwait(false);
        long pauseMs = reply[2].AsLong();
        return new BudgetUsage(target.Limits, reply[0].AsLong(), reply[1].AsLong(), pauseMs > 0 ? TimeSpan.FromMilliseconds(pauseMs) : TimeSpan.Zero);
    }

    /// <summary>The limits an endpoint's budget enforces.</summary>
    /// <exception cref="ArgumentException">The endpoint is not configured.</exception>
    public BudgetLimits LimitsOf(string endpoint) => Find(endpoint).Limits;

    /// <summary>The endpoints that have a budget.</summary>
    public IReadOnlyCollection<string> Endpoints => _endpoints.Keys;

    /// <summary>The clock leases' local deadlines are measured on.</summary>
    public TimeProvider TimeProvider => _time;

    /// <summary>
    /// Replaces a grant's counted amounts with what was really used (the response's token usage, or the part of a lease
    /// that was spent), refunding or charging the difference in the windows the grant still counts in.
    /// </summary>
    /// <returns>False when the grant has already left every window (there is nothing left to correct).</returns>
    public async Task<bool> ReconcileAsync(string endpoint, string grantId, long requests, long tokens, CancellationToken cancellationToken = default) =>
        await ReconcileManyAsync(endpoint, [new GrantCorrection(grantId, requests, tokens)], cancellationToken).ConfigureAwait(false) == 1;

    /// <summary>Reconciles several grants of one endpoint in one script run.</summary>
    /// <returns>How many of the grants were still in some window (and so corrected).</returns>
    internal async Task<int> ReconcileManyAsync(string endpoint, IReadOnlyList<GrantCorrection> corrections, CancellationToken cancellationToken = default)
    {
        var target = Find(endpoint);
        RequireCorrections(corrections);
        var args = new RedisValue[2 + 3 * corrections.Count];
        args[0] = ReconcileOp;
        args[1] = target.Limits.IntervalMicros;
        WriteCorrections(corrections, args.AsSpan(2));
        var reply = await _redis.EvalShaAsync(Script, target.Keys, args, cancellationToken).ConfigureAwait(false);
        return (int)reply[0].AsLong();
    }

    /// <summary>
    /// Ends a lease: nothing more can be taken from it, and its shared record shrinks to the requests taken and the
    /// tokens really used, so the credits never spent go back to every node. Safe because the record keeps its span,
    /// which covers every moment the credits were spent.
    /// </summary>
    /// <returns>False when the lease has already left every window (nothing was left to give back).</returns>
    public Task<bool> ReturnUnusedAsync(LeasedCredits lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (lease.IsClosed) throw new InvalidOperationException($"The lease {lease.Lease.GrantId} of endpoint '{lease.Endpoint}' was already returned.");
        lease.Close();
        return ReconcileAsync(lease.Endpoint, lease.Lease.GrantId, lease.UsedRequests, lease.UsedTokens, cancellationToken);
    }

    private async Task<BudgetAcquisition> AcquireAsync(string endpoint, long minRequests, long maxRequests, long minTokens, long maxTokens,
        TimeSpan lease, IReadOnlyList<GrantCorrection> corrections, CancellationToken cancellationToken)
    {
        var target = Find(endpoint);
        var limits = target.Limits;
        // Taken before sending: the server grants later than this, so a deadline counted from here ends first.
        long sentAt = _time.GetTimestamp();
        int argCount = AcquireArgCount + 3 * corrections.Count;
        var args = ArrayPool<RedisValue>.Shared.Rent(argCount);
        RedisResult reply;
        try
        {
            args[0] = AcquireOp;
            args[1] = limits.Requests;
            args[2] = limits.Tokens;
            args[3] = limits.IntervalMicros;
            args[4] = minRequests;
            args[5] = maxRequests;
            args[6] = minTokens;
            args[7] = maxTokens;
            args[8] = lease.Ticks / 10;
            args[9] = _guard ? limits.IntervalMicros + _maxLease.Ticks / 10 : 0;
            WriteCorrections(corrections, args.AsSpan(AcquireArgCount, 3 * corrections.Count));
            reply = await _redis.EvalShaAsync(Script, target.Keys, args.AsMemory(0, argCount), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<RedisValue>.Shared.Return(args, clearArray: true);
        }

        long status = reply[0].AsLong();
        long grantedAt = reply[2].AsLong();
        if (status == 1)
        {
            long useBefore = sentAt + (long)(lease.TotalSeconds * _time.TimestampFrequency);
            return new BudgetAcquisition(BudgetDenial.None, reply[1].AsString()!, reply[4].AsLong(), reply[5].AsLong(),
                TimeSpan.Zero, grantedAt, reply[3].AsLong(), useBefore);
        }
        var denial = reply[7].AsLong() switch
        {
            2 => BudgetDenial.Paused,
            3 => BudgetDenial.ExceedsLimits,
            4 => BudgetDenial.RedisRestarted,
            _ => BudgetDenial.Exhausted,
        };
        return new BudgetAcquisition(denial, string.Empty, 0, 0, TimeSpan.FromTicks(reply[6].AsLong() * 10), grantedAt, 0, sentAt);
    }

    private Endpoint Find(string endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return _endpoints.TryGetValue(endpoint, out var target)
            ? target
            : throw new ArgumentException($"Endpoint '{endpoint}' has no shared budget configured.", nameof(endpoint));
    }

    private static void RequireAmounts(long minRequests, long maxRequests, long minTokens, long maxTokens)
    {
        if (minRequests < 0 || minTokens < 0) throw new ArgumentOutOfRangeException(nameof(minRequests), "Requests and tokens must not be negative.");
        if (maxRequests < minRequests) throw new ArgumentOutOfRangeException(nameof(maxRequests), maxRequests, "The maximum requests must be at least the minimum.");
        if (maxTokens < minTokens) throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "The maximum tokens must be at least the minimum.");
        if (maxRequests == 0 && maxTokens == 0) throw new ArgumentOutOfRangeException(nameof(maxRequests), "Ask for at least one request or token.");
    }

    private static void RequireCorrections(IReadOnlyList<GrantCorrection> corrections)
    {
        ArgumentNullException.ThrowIfNull(corrections);
        foreach (var correction in corrections)
        {
            ArgumentException.ThrowIfNullOrEmpty(correction.GrantId, nameof(corrections));
            // Zero is valid here: a lease nobody spent is reconciled to nothing.
            if (correction.Requests < 0 || correction.Tokens < 0)
                throw new ArgumentOutOfRangeException(nameof(corrections), $"Grant {correction.GrantId}: requests and tokens must not be negative.");
        }
    }

    private static void WriteCorrections(IReadOnlyList<GrantCorrection> corrections, Span<RedisValue> args)
    {
        for (int i = 0; i < corrections.Count; i++)
        {
            args[3 * i] = corrections[i].GrantId;
            args[3 * i + 1] = corrections[i].Requests;
            args[3 * i + 2] = corrections[i].Tokens;
        }
    }

    private static RedisValue[] KeysFor(string prefix, string endpoint) =>
        KeyNames(prefix, endpoint).Select(name => (RedisValue)Encoding.UTF8.GetBytes(name)).ToArray();

    private static RedisScript LoadScript()
    {
        const string name = "Dispatch.Cluster.Budget.SharedBudget.lua";
        using var stream = typeof(SharedBudget).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource {name} is missing from {typeof(SharedBudget).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return new RedisScript(reader.ReadToEnd());
    }

    private sealed record Endpoint(BudgetLimits Limits, RedisValue[] Keys);
}

/// <summary>A grant's amounts as really used, to replace what the budget counts for it (see <see cref="SharedBudget.ReconcileAsync(string, string, long, long, CancellationToken)"/>).</summary>
/// <param name="GrantId">The grant's id.</param>
/// <param name="Requests">The requests it really used.</param>
/// <param name="Tokens">The tokens it really used.</param>
internal readonly record struct GrantCorrection(string GrantId, long Requests, long Tokens);
