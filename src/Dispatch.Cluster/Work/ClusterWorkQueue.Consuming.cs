using System.Collections.Concurrent;
using System.Text.Json;
using Dispatch.Cluster.Redis;
using Dispatch.Core.Protocol;
using Microsoft.Extensions.Logging;

namespace Dispatch.Cluster.Work;

public sealed partial class ClusterWorkQueue
{
    /// <summary>
    /// Finishes a call in one round trip: stores its result unless one is stored already (the first writer wins),
    /// sends the stored one to the submitter's reply stream, then acknowledges and removes the entry. A step that
    /// fails stops the script before the entry is acknowledged; a Redis that lost the group has nothing to acknowledge.
    /// </summary>
    private static readonly RedisScript FinishScript = new("""
        -- KEYS: result, replies, calls. ARGV: json, ttl ms, call id, entry id, group, replies max length, call-id field, result field
        local json = ARGV[1]
        if not redis.call('SET', KEYS[1], json, 'PX', ARGV[2], 'NX') then json = redis.call('GET', KEYS[1]) or json end
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*', ARGV[7], ARGV[3], ARGV[8], json)
        redis.pcall('XACK', KEYS[3], ARGV[5], ARGV[4])
        redis.pcall('XDEL', KEYS[3], ARGV[4])
        return 1
        """);

    private long _inFlight;
    private readonly List<Task> _consumers = [];
    private int _consumersReading;

    /// <summary>Consuming loops still reading their streams (after <see cref="StopConsumingAsync"/> they stop, then wait for their calls).</summary>
    internal int ConsumersReading => Volatile.Read(ref _consumersReading);

    // Call ids this node is running, each with a task that completes once that copy has stored its result (or given up).
    private readonly ConcurrentDictionary<string, Task> _runningCalls = new(StringComparer.Ordinal);

    /// <summary>Calls this node has taken from the streams and not yet finished (for membership and status).</summary>
    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>
    /// Starts taking calls of <paramref name="endpoints"/> from their streams: up to
    /// <see cref="ClusterOptions.MaxInFlight"/> per endpoint at once, each run by <paramref name="handler"/>.
    /// Entries this node's name left pending in an earlier run are taken first; entries idle on a silent
    /// node for <see cref="ClusterOptions.ClaimIdleTimeout"/> are claimed.
    /// </summary>
    /// <param name="endpoints">The endpoints this node serves.</param>
    /// <param name="handler">Runs a call through this node's pipeline.</param>
    public void StartConsuming(IEnumerable<string> endpoints, ClusterCallHandler handler)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped != 0, this);
            if (_stopConsuming.IsCancellationRequested)
                throw new InvalidOperationException($"Node '{NodeName}' has stopped consuming; a stopped queue does not consume again.");
            foreach (var endpoint in endpoints.Distinct(StringComparer.Ordinal))
            {
                Interlocked.Increment(ref _consumersReading);
                var loop = ConsumeAsync(endpoint, handler, _stopConsuming.Token);
                _loops.Add(loop);
                _consumers.Add(loop);
            }
        }
    }

    /// <summary>
    /// Stops taking calls from the streams, for a clean drain: calls already taken run to their end and are
    /// answered, and results of calls this node submitted keep arriving (until <see cref="StopAsync"/>).
    /// Returns when the calls taken have finished; calling it again waits again.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting; the calls taken still finish.</param>
    public async Task StopConsumingAsync(CancellationToken cancellationToken = default)
    {
        Task[] consumers;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped != 0, this);
            consumers = _consumers.ToArray();
        }
        await _stopConsuming.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(consumers).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ConsumeAsync(string endpoint, ClusterCallHandler handler, CancellationToken stopping)
    {
        // Let the caller go on; this loop lives until the queue stops.
        await Task.Yield();
        var stream = new StreamState(_keys.Calls(endpoint), _options.MaxInFlight);
        await using var reader = Reader(endpoint);
        // Claiming and refreshing run a few times per idle timeout, so a live node's entries never reach it.
        var cadence = _options.ClaimIdleTimeout / 3;
        var block = cadence < _options.ReadBlock ? cadence : _options.ReadBlock;
        bool groupReady = false, ownPendingTaken = false;
        long nextMaintenance = 0;
        var delay = MinRetryDelay;
        // Held entries are refreshed on their own cadence: a node whose slots all wait (for credits) still holds its calls.
        // It ends once the calls taken are done, or when the queue stops at the latest.
        using var held = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        var refreshing = RefreshHeldAsync(stream, cadence, held.Token);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (!groupReady)
                {
                    // "0": a group made after calls were queued (or after Redis lost its data) still sees them.
                    await _commands.XGroupCreateAsync(stream.Key, _keys.Group, "0", CancellationToken.None).ConfigureAwait(false);
                    groupReady = true;
                }
                if (!ownPendingTaken)
                {
                    var own = await _commands.XReadGroupAsync(stream.Key, _keys.Group, NodeName, _options.MaxInFlight, id: "0").ConfigureAwait(false);
                    foreach (var entry in own) Start(stream, entry, handler);
                    ownPendingTaken = true;
                }
                await stream.Slots.WaitAsync(stopping).ConfigureAwait(false);
                stream.Slots.Release();
                if (_time.GetTimestamp() >= nextMaintenance)
                {
                    await MaintainAsync(stream, handler).ConfigureAwait(false);
                    nextMaintenance = _time.GetTimestamp() + (long)(cadence.TotalSeconds * _time.TimestampFrequency);
                }
                int free = stream.Slots.CurrentCount;
                if (free == 0) continue;
                var entries = await reader.XReadGroupAsync(stream.Key, _keys.Group, NodeName, free, block).ConfigureAwait(false);
                foreach (var entry in entries) Start(stream, entry, handler);
                delay = MinRetryDelay;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (RedisServerException ex) when (ex.ErrorKind == "NOGROUP")
            {
                // Redis lost the group (restarted without its data): make it again and carry on.
                groupReady = false;
            }
            catch (RedisException ex)
            {
                _logger.LogDebug("Reading calls of {Endpoint} on node {Node} failed; retrying: {Error}", endpoint, NodeName, ex.Message);
                if (!await DelayAsync(delay, stopping).ConfigureAwait(false)) break;
                delay = Next(delay);
            }
        }
        Interlocked.Decrement(ref _consumersReading);
        // Calls already taken finish (or are aborted by StopAsync) before the loop counts as done.
        await Task.WhenAll(stream.Running.Values).ConfigureAwait(false);
        await held.CancelAsync().ConfigureAwait(false);
        await refreshing.ConfigureAwait(false);
    }

    /// <summary>
    /// Resets the idle time of the entries this node works on every <paramref name="cadence"/>, whether or not a slot
    /// is free, so no other node claims a call this node is still running (or waiting for credits to run).
    /// </summary>
    private async Task RefreshHeldAsync(StreamState stream, TimeSpan cadence, CancellationToken done)
    {
        while (await DelayAsync(cadence, done).ConfigureAwait(false))
        {
            var mine = stream.Running.Keys.ToArray();
            if (mine.Length == 0) continue;
            try
            {
                await _commands.XClaimJustIdAsync(stream.Key, _keys.Group, NodeName, mine, CancellationToken.None).ConfigureAwait(false);
            }
            catch (RedisException ex)
            {
                _logger.LogDebug("Refreshing the held calls of {Stream} on node {Node} failed; retrying: {Error}", stream.Key, NodeName, ex.Message);
            }
        }
    }

    /// <summary>Claims the entries a silent node left idle too long.</summary>
    private async Task MaintainAsync(StreamState stream, ClusterCallHandler handler)
    {
        int free = stream.Slots.CurrentCount;
        if (free == 0) return;
        var claimed = await _commands.XAutoClaimAsync(stream.Key, _keys.Group, NodeName, _options.ClaimIdleTimeout, stream.ClaimCursor, free)
            .ConfigureAwait(false);
        stream.ClaimCursor = claimed.NextStartId;
        foreach (var entry in claimed.Entries)
        {
            _logger.LogInformation("Node {Node} claimed call entry {EntryId} of {Stream}, idle longer than {Timeout}",
                NodeName, entry.Id, stream.Key, _options.ClaimIdleTimeout);
            Start(stream, entry, handler);
        }
    }

    private void Start(StreamState stream, RedisStreamEntry entry, ClusterCallHandler handler)
    {
        // An entry this node already works on (claimed back, or read again as its own pending) runs once.
        if (stream.Running.ContainsKey(entry.Id) || !stream.Slots.Wait(0)) return;
        Interlocked.Increment(ref _inFlight);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        stream.Running[entry.Id] = done.Task;
        _ = Task.Run(async () =>
        {
            try
            {
                await ProcessAsync(stream.Key, entry, handler).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Redis refused a step (out of memory, wrong type): the entry stays pending, and once this node
                // stops refreshing it another node claims it and tries again.
                _logger.LogError(ex, "Node {Node} could not finish call entry {EntryId} of {Stream}", NodeName, entry.Id, stream.Key);
            }
            finally
            {
                stream.Running.TryRemove(entry.Id, out _);
                stream.Slots.Release();
                Interlocked.Decrement(ref _inFlight);
                done.SetResult();
            }
        });
    }

    private async Task ProcessAsync(string streamKey, RedisStreamEntry entry, ClusterCallHandler handler)
    {
        var abort = _abort.Token;
        try
        {
            if (entry.Fields is null)
            {
                // Deleted while pending (acknowledged and removed by a node that finished it): nothing left to do.
                await RetryAsync(() => AcknowledgeAsync(streamKey, entry.Id), abort).ConfigureAwait(false);
                return;
            }
            string? origin = entry[OriginField];
            var (call, result) = Read(entry);
            if (call is null && result is null)
            {
                _logger.LogError("Call entry {EntryId} of {Stream} has no call id or origin and cannot be answered; it is dropped", entry.Id, streamKey);
                await RetryAsync(() => AcknowledgeAsync(streamKey, entry.Id), abort).ConfigureAwait(false);
                return;
            }
            string callId = call?.CallId ?? result!.CallId;
            string resultKey = _keys.Result(callId);
            // Finished before (by a node that died before acknowledging, or a duplicate entry): answer, don't send again.
            string? json = await RetryAsync(() => _commands.GetAsync(resultKey), abort).ConfigureAwait(false);
            var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            try
            {
                // Another copy of this call running here (the call queued twice) is waited for and answered from,
                // instead of running into the pipeline's rejection of an id already in progress.
                while (json is null && result is null && _runningCalls.GetOrAdd(callId, running.Task) is var first && first != running.Task)
                {
                    await first.WaitAsync(abort).ConfigureAwait(false);
                    json = await RetryAsync(() => _commands.GetAsync(resultKey), abort).ConfigureAwait(false);
                }
                if (json is null)
                {
                    result ??= await RunAsync(handler, call!, abort).ConfigureAwait(false);
                    json = ClusterJson.Serialize(result);
                }
                // When another node stored a result first, that one is the call's only final result, and the one replied.
                await RetryAsync(() => FinishAsync(streamKey, entry.Id, resultKey, origin!, callId, json), abort).ConfigureAwait(false);
            }
            finally
            {
                _runningCalls.TryRemove(new KeyValuePair<string, Task>(callId, running.Task));
                running.SetResult();
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Stopping without waiting: the entry stays pending and another node claims it.
        }
    }

    /// <summary>The call of an entry, or (when it cannot be read) the rejection to answer its submitter with.</summary>
    private (APICalling? Call, APICallResult? Rejection) Read(RedisStreamEntry entry)
    {
        string? json = entry[CallField];
        if (entry[OriginField] is null || json is null) return (null, null);
        try
        {
            return (ClusterJson.DeserializeCall(json), null);
        }
        catch (JsonException ex)
        {
            string? callId = TryReadCallId(json);
            if (callId is null) return (null, null);
            _logger.LogError("Call {CallId} in entry {EntryId} is unreadable and is rejected: {Error}", callId, entry.Id, ex.Message);
            return (null, APICallResult.Rejected(callId, ErrorKind.InvalidRequest, $"The queued call could not be read: {ex.Message}"));
        }
    }

    private static string? TryReadCallId(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("callId", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<APICallResult> RunAsync(ClusterCallHandler handler, APICalling call, CancellationToken abort)
    {
        try
        {
            return await handler(call, abort).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // A pipeline that throws instead of answering still owes the submitter one final result.
            _logger.LogError(ex, "Node {Node} failed to run call {CallId}", NodeName, call.CallId);
            return APICallResult.Failed(call.CallId, ErrorKind.Server, $"Node '{NodeName}' could not run the call: {ex.Message}");
        }
    }

    private async Task<bool> FinishAsync(string streamKey, string entryId, string resultKey, string origin, string callId, string json)
    {
        var keys = new RedisValue[] { resultKey, _keys.Replies(origin), streamKey };
        var args = new RedisValue[]
        {
            json, (long)Math.Ceiling(_options.ResultTtl.TotalMilliseconds), callId, entryId, _keys.Group, ReplyStreamMaxLength, CallIdField, ResultField,
        };
        await _commands.EvalShaAsync(FinishScript, keys, args).ConfigureAwait(false);
        return true;
    }

    private async Task<bool> AcknowledgeAsync(string streamKey, string id)
    {
        try
        {
            // Sent together on one connection: the entry is acknowledged, then removed so the stream holds only open calls.
            var ack = _commands.XAckAsync(streamKey, _keys.Group, id);
            var delete = _commands.XDelAsync(streamKey, id);
            await Task.WhenAll(ack, delete).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.ErrorKind == "NOGROUP")
        {
            // Redis lost the stream with its data; there is nothing left to acknowledge.
        }
        return true;
    }

    /// <summary>Repeats a step until Redis answers: the step's work (a call already sent upstream) must not be lost to an outage.</summary>
    private async Task<T> RetryAsync<T>(Func<Task<T>> step, CancellationToken abort)
    {
        var delay = MinRetryDelay;
        while (true)
        {
            try
            {
                // Tried at least once even when stopping: a result already paid for is worth storing.
                return await step().ConfigureAwait(false);
            }
            catch (RedisConnectionException ex)
            {
                abort.ThrowIfCancellationRequested();
                _logger.LogDebug("Node {Node} waits for Redis to finish a call: {Error}", NodeName, ex.Message);
                await Task.Delay(delay, _time, abort).ConfigureAwait(false);
                delay = Next(delay);
            }
        }
    }

    private sealed class StreamState(string key, int maxInFlight)
    {
        public string Key { get; } = key;

        public SemaphoreSlim Slots { get; } = new(maxInFlight, maxInFlight);

        public ConcurrentDictionary<string, Task> Running { get; } = new(StringComparer.Ordinal);

        public string ClaimCursor { get; set; } = "0-0";
    }
}
