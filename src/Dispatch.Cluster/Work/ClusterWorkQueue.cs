using System.Collections.Concurrent;
using Dispatch.Cluster.Redis;
using Dispatch.Core.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dispatch.Cluster.Work;

/// <summary>Runs one call through this node's pipeline and returns its final result (in hosting: an Ask of the DispatchActor).</summary>
/// <param name="call">The call taken from the cluster's queue.</param>
/// <param name="cancellationToken">Fires when the node stops without waiting any longer; the call is then left for another node.</param>
public delegate Task<APICallResult> ClusterCallHandler(APICalling call, CancellationToken cancellationToken);

/// <summary>
/// Distributes calls over the nodes of a cluster through Redis Streams. A submitted call is added to its
/// endpoint's stream (<c>{prefix}:{endpoint}:calls</c>); every node reads those streams through one consumer
/// group, runs each call through its own pipeline, stores the final result by call id
/// (<c>{prefix}:result:{callId}</c>, with a time to live), sends it to the submitting node's reply stream
/// (<c>{prefix}:node:{name}:replies</c>), and only then acknowledges the entry.
/// </summary>
/// <remarks>
/// <para>Exactly one result per call at the submitter: a call id that is already waiting is not added
/// again, and only the first result for a waiting id completes it; later copies are dropped.</para>
/// <para>A node that dies leaves its entries pending; after <see cref="ClusterOptions.ClaimIdleTimeout"/>
/// another node claims them (<c>XAUTOCLAIM</c>). A claimed (or otherwise re-delivered) call whose result
/// is already stored is answered from it and not sent upstream again. Living nodes keep the entries they
/// are working on fresh, so a slow call is not claimed from under them.</para>
/// <para>When Redis is unreachable a submission fails with <see cref="ClusterUnavailableException"/> or
/// waits, by <see cref="ClusterOptions.WhenRedisDown"/>; readers retry until it is back. A Redis that
/// comes back without its data (seen by a marker key gone missing) lost the queued entries: every call
/// still waiting here whose entry was added on an earlier connection is added again, so none is lost. A call that was
/// running at that moment may then run twice; the submitter still gets one result. Two copies of one call
/// taken by the same node run once: the second waits for the first's stored result and answers from it.</para>
/// </remarks>
public sealed partial class ClusterWorkQueue : IAsyncDisposable
{
    private const string CallField = "call";
    private const string OriginField = "origin";
    private const string CallIdField = "call-id";
    private const string ResultField = "result";

    // Reply streams are read as results arrive; the cap only bounds the stream of a node that died.
    private const long ReplyStreamMaxLength = 10_000;

    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly ClusterOptions _options;
    private readonly ClusterKeys _keys;
    private readonly RedisClient _commands;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Submission> _waiting = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopReading = new();
    private readonly CancellationTokenSource _stopConsuming = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly List<Task> _loops = [];
    private readonly List<RedisClient> _readers = [];
    private readonly object _gate = new();
    private int _markerSeen;
    private long _unclaimedReplies;
    private bool _started;
    private int _stopped;

    /// <summary>Creates the queue of this node; nothing is read before <see cref="StartAsync"/> and <see cref="StartConsuming"/>.</summary>
    /// <param name="options">The Redis server, this node's name, timeouts and limits.</param>
    /// <param name="logger">Where failures are logged.</param>
    public ClusterWorkQueue(ClusterOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Validate();
        _keys = new ClusterKeys(options.KeyPrefix);
        _logger = logger ?? NullLogger.Instance;
        _time = options.TimeProvider;
        _commands = new RedisClient(options.Redis with { ClientName = options.Redis.ClientName ?? $"dispatch-{options.NodeName}" });
        _commands.StateChanged += OnStateChanged;
    }

    /// <summary>This node's name: its consumer name and the name of its reply stream.</summary>
    public string NodeName => _options.NodeName;

    /// <summary>The Redis client the queue sends its ordinary (non-blocking) commands on.</summary>
    public RedisClient Redis => _commands;

    /// <summary>Results that arrived for no waiting call (copies from re-deliveries, or answers to callers that gave up); they are dropped.</summary>
    public long UnclaimedReplies => Interlocked.Read(ref _unclaimedReplies);

    /// <summary>Commands this queue has sent to Redis over all its connections, blocking reads included (for round trips per call).</summary>
    internal long CommandsSent
    {
        get
        {
            lock (_gate) return _commands.CommandsSent + _readers.Sum(reader => reader.CommandsSent);
        }
    }

    /// <summary>Submitted calls still waiting for their result.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>
    /// Starts reading this node's reply stream, so results of submitted calls arrive. A Redis that is down
    /// now is not an error: reading starts when it is back.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped != 0, this);
            if (_started) throw new InvalidOperationException($"The work queue of node '{NodeName}' has already started.");
            _started = true;
        }
        // Replies older than this node are answers for an earlier process with the same name: start after them.
        string cursor = "0-0";
        try
        {
            var now = await _commands.TimeAsync(cancellationToken).ConfigureAwait(false);
            cursor = $"{now.ToUnixTimeMilliseconds()}-0";
        }
        catch (RedisException ex)
        {
            _logger.LogWarning("Node {Node} starts without Redis at {Endpoint}; it reads its replies once Redis is back: {Error}",
                NodeName, _commands.Endpoint, ex.Message);
        }
        lock (_gate) _loops.Add(ReadRepliesAsync(cursor, _stopReading.Token));
    }

    /// <summary>
    /// Submits a call to the cluster: it is added to its endpoint's stream, some node runs it, and its result
    /// completes the returned task. A call id already waiting here is not added again: the same task is returned.
    /// </summary>
    /// <param name="call">The call.</param>
    /// <param name="cancellationToken">Stops waiting (for Redis, or for the result); a call already queued still runs.</param>
    /// <exception cref="ClusterUnavailableException">Redis is unreachable and <see cref="ClusterOptions.WhenRedisDown"/> is <c>fail</c>.</exception>
    /// <exception cref="InvalidOperationException"><see cref="StartAsync"/> was not called, so no result could ever arrive.</exception>
    public Task<APICallResult> SubmitAsync(APICalling call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentException.ThrowIfNullOrEmpty(call.CallId);
        ArgumentException.ThrowIfNullOrEmpty(call.Endpoint);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped != 0, this);
            if (!_started) throw new InvalidOperationException($"Start the work queue of node '{NodeName}' before submitting: its replies are read from then on.");
        }
        var submission = new Submission(call);
        var current = _waiting.GetOrAdd(call.CallId, submission);
        if (!ReferenceEquals(current, submission)) return current.Result.Task.WaitAsync(cancellationToken);
        return SubmitCoreAsync(submission, cancellationToken);
    }

    private async Task<APICallResult> SubmitCoreAsync(Submission submission, CancellationToken cancellationToken)
    {
        try
        {
            await AddEntryAsync(submission, _options.WhenRedisDown == WhenRedisDown.Wait, cancellationToken).ConfigureAwait(false);
            return await submission.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ClusterUnavailableException or OperationCanceledException)
        {
            // This caller gave up: forget the call so the same id can be submitted again.
            _waiting.TryRemove(new KeyValuePair<string, Submission>(submission.Call.CallId, submission));
            throw;
        }
    }

    private async Task AddEntryAsync(Submission submission, bool waitForRedis, CancellationToken cancellationToken)
    {
        var call = submission.Call;
        var fields = new KeyValuePair<string, RedisValue>[]
        {
            new(CallField, submission.Json),
            new(OriginField, NodeName),
        };
        var delay = MinRetryDelay;
        while (true)
        {
            try
            {
                // Added on a known connection: a Redis found empty on that same connection already has this entry.
                var connection = await _commands.GetConnectionAsync(cancellationToken).ConfigureAwait(false);
                await connection.XAddAsync(_keys.Calls(call.Endpoint), fields, cancellationToken: cancellationToken).ConfigureAwait(false);
                submission.QueuedOn = connection;
                return;
            }
            catch (RedisConnectionException ex)
            {
                if (!waitForRedis)
                {
                    throw new ClusterUnavailableException(
                        $"Call '{call.CallId}' for endpoint '{call.Endpoint}' could not be submitted: Redis at {_commands.Endpoint} is unreachable " +
                        $"({ex.Message}). It was most likely not queued; submit it again with the same call id when Redis is back, " +
                        $"or set {ClusterOptions.Path}.when-redis-down = wait.", ex);
                }
                _logger.LogDebug("Submitting call {CallId} waits for Redis at {Endpoint}: {Error}", call.CallId, _commands.Endpoint, ex.Message);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay = Next(delay);
            }
        }
    }

    private async Task ReadRepliesAsync(string cursor, CancellationToken stopping)
    {
        await using var reader = Reader("replies");
        string stream = _keys.Replies(NodeName);
        var delay = MinRetryDelay;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var entries = await reader.XReadAsync(stream, cursor, 100, _options.ReadBlock).ConfigureAwait(false);
                foreach (var entry in entries)
                {
                    cursor = entry.Id;
                    Complete(entry);
                }
                delay = MinRetryDelay;
            }
            catch (RedisException ex)
            {
                _logger.LogDebug("Reading the replies of node {Node} failed; retrying: {Error}", NodeName, ex.Message);
                if (!await DelayAsync(delay, stopping).ConfigureAwait(false)) break;
                delay = Next(delay);
            }
        }
    }

    private void Complete(RedisStreamEntry entry)
    {
        string? callId = entry[CallIdField];
        string? json = entry[ResultField];
        APICallResult result;
        try
        {
            result = ClusterJson.DeserializeResult(json ?? throw new System.Text.Json.JsonException("The reply has no result field."));
        }
        catch (System.Text.Json.JsonException ex)
        {
            _logger.LogError("Reply {EntryId} for call {CallId} on node {Node} is unreadable: {Error}", entry.Id, callId, NodeName, ex.Message);
            if (callId is null) return;
            result = APICallResult.Failed(callId, ErrorKind.InvalidResponse, $"The cluster's result for this call could not be read: {ex.Message}");
        }
        // Only the first result for a waiting id completes it; a copy from a re-delivery finds nobody waiting.
        if (_waiting.TryRemove(result.CallId, out var submission)) submission.Result.TrySetResult(result);
        else Interlocked.Increment(ref _unclaimedReplies);
    }

    private void OnStateChanged(object? sender, RedisConnectionStateChangedEventArgs change)
    {
        if (change.Current == RedisConnectionState.Connected && Volatile.Read(ref _stopped) == 0) _ = CheckServerAsync();
    }

    /// <summary>
    /// On every (re)connect: a Redis that lost this node's marker key lost its data with it (restarted without
    /// persistence, or flushed), and with it the entries of the calls still waiting here, so they are queued again.
    /// </summary>
    private async Task CheckServerAsync()
    {
        try
        {
            var connection = await _commands.GetConnectionAsync(_abort.Token).ConfigureAwait(false);
            bool written = await connection.SetAsync(_keys.Marker(NodeName), "1", onlyIfAbsent: true).ConfigureAwait(false);
            // The first write only marks this node's presence; a later one means the marker was gone.
            if (Interlocked.Exchange(ref _markerSeen, 1) == 0 || !written) return;
            // Only entries added on an earlier connection were lost: one added since (a submission that waited for
            // Redis and retried on this connection) is in the new data, and adding it again would run it twice.
            var lost = _waiting.Values.Where(s => s.QueuedOn is { } queuedOn && !ReferenceEquals(queuedOn, connection)).ToArray();
            _logger.LogWarning("Redis at {Endpoint} lost its data; node {Node} submits its {Count} waiting calls again",
                _commands.Endpoint, NodeName, lost.Length);
            foreach (var submission in lost)
            {
                // Accepted calls are queued again whatever when-redis-down says: their callers are already waiting.
                if (!submission.Result.Task.IsCompleted) await AddEntryAsync(submission, waitForRedis: true, _abort.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RedisException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection dropped again before the check; the next reconnect checks once more.
            _logger.LogWarning("Node {Node} could not check Redis at {Endpoint} after connecting: {Error}", NodeName, _commands.Endpoint, ex.Message);
        }
    }

    /// <summary>
    /// Stops reading, lets calls this node is working on finish for up to <paramref name="drainTimeout"/>
    /// (the rest stay pending in Redis and another node claims them), and answers submissions still
    /// waiting <see cref="CallStatus.Cancelled"/>.
    /// </summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        Task[] loops;
        lock (_gate)
        {
            if (_stopped != 0) return;
            _stopped = 1;
            loops = _loops.ToArray();
        }
        _commands.StateChanged -= OnStateChanged;
        await _stopConsuming.CancelAsync().ConfigureAwait(false);
        await _stopReading.CancelAsync().ConfigureAwait(false);
        var finished = Task.WhenAll(loops);
        try
        {
            await finished.WaitAsync(drainTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            await finished.ConfigureAwait(false);
        }
        await _abort.CancelAsync().ConfigureAwait(false);
        try
        {
            await _commands.DelAsync(_keys.Marker(NodeName)).ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Left behind it only tells a later node of this name that Redis kept its data.
        }
        foreach (var (callId, submission) in _waiting)
        {
            if (_waiting.TryRemove(new KeyValuePair<string, Submission>(callId, submission)))
                submission.Result.TrySetResult(APICallResult.Cancelled(callId, $"Node '{NodeName}' stopped before the call's result arrived."));
        }
        await _commands.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops at once: calls being worked on are left pending for another node (see <see cref="StopAsync"/>).</summary>
    public ValueTask DisposeAsync() => new(StopAsync(TimeSpan.Zero));

    private RedisOptions BlockingOptions(string role) => _options.Redis with
    {
        // A blocking read holds its connection for the whole block: the reply is not overdue until well after it.
        CommandTimeout = _options.ReadBlock + (_options.Redis.CommandTimeout ?? TimeSpan.FromSeconds(10)),
        ClientName = $"dispatch-{NodeName}-{role}",
    };

    /// <summary>A client of its own for a loop's blocking reads, counted in <see cref="CommandsSent"/>.</summary>
    private RedisClient Reader(string role)
    {
        var reader = new RedisClient(BlockingOptions(role));
        lock (_gate) _readers.Add(reader);
        return reader;
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static TimeSpan Next(TimeSpan delay) => delay * 2 > MaxRetryDelay ? MaxRetryDelay : delay * 2;

    private sealed class Submission(APICalling call)
    {
        public APICalling Call { get; } = call;

        public string Json { get; } = ClusterJson.Serialize(call);

        public TaskCompletionSource<APICallResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The connection the entry was added on, once it reached Redis (so a Redis that lost its data since lost it too).</summary>
        public volatile RedisConnection? QueuedOn;
    }
}
