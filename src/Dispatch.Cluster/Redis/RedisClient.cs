using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dispatch.Cluster.Redis;

/// <summary>
/// A Redis client that owns its connection: it connects on first use, and after the connection
/// dies it reconnects on the next use. Failed attempts back off exponentially
/// (<see cref="RedisOptions.ReconnectMinBackoff"/> doubling up to <see cref="RedisOptions.ReconnectMaxBackoff"/>);
/// a command issued while backing off fails at once with a <see cref="RedisConnectionException"/>
/// that says when the next attempt is, so callers decide whether to wait or give up.
/// </summary>
/// <remarks>
/// Commands in flight when the connection dies fail with <see cref="RedisConnectionException"/>
/// and are not re-sent: their outcome on the server is unknown, and only the caller knows
/// whether repeating them is safe.
/// </remarks>
public sealed class RedisClient : IRedisCommandExecutor, IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _disposed = new();
    private RedisConnection? _current;
    private Task<RedisConnection>? _connecting;
    private int _consecutiveFailures;
    private long _nextAttemptTimestamp;
    private Exception? _lastError;
    private RedisConnectionState _state = RedisConnectionState.Disconnected;
    private bool _isDisposed;
    private long _commandsOfClosedConnections;

    /// <summary>Creates the client; no connection is made until the first command or <see cref="ConnectAsync"/>.</summary>
    public RedisClient(RedisOptions options, ILogger<RedisClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        _time = options.TimeProvider;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Raised (outside any lock) whenever <see cref="State"/> changes.</summary>
    public event EventHandler<RedisConnectionStateChangedEventArgs>? StateChanged;

    /// <summary>The options connections are made with.</summary>
    public RedisOptions Options { get; }

    /// <inheritdoc />
    public string Endpoint => Options.Endpoint;

    /// <summary>How many commands this client has sent, over all its connections (for measuring round trips per call).</summary>
    public long CommandsSent
    {
        get
        {
            lock (_gate) return _commandsOfClosedConnections + (_current?.CommandsSent ?? 0);
        }
    }

    /// <summary>The connection's current state.</summary>
    public RedisConnectionState State
    {
        get { lock (_gate) return _state; }
    }

    /// <summary>Connects now (or returns the live connection), instead of on the first command.</summary>
    /// <exception cref="RedisConnectionException">The connection cannot be made, or the client is backing off after a failed attempt.</exception>
    public Task ConnectAsync(CancellationToken cancellationToken = default) => GetConnectionAsync(cancellationToken).AsTask();

    /// <inheritdoc />
    public Task<RedisResult> ExecuteAsync(string command, ReadOnlyMemory<RedisValue> args, CancellationToken cancellationToken = default)
    {
        var current = Volatile.Read(ref _current);
        if (current is { IsConnected: true }) return current.ExecuteAsync(command, args, cancellationToken);
        // The arguments must be framed before this method returns (the caller may reuse the memory),
        // but connecting is asynchronous: copy them for the slow path.
        return ConnectAndExecuteAsync(command, args.ToArray(), cancellationToken);
    }

    private async Task<RedisResult> ConnectAndExecuteAsync(string command, RedisValue[] args, CancellationToken cancellationToken)
    {
        var connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(command, args, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns the live connection, making one if there is none and the backoff allows it.</summary>
    public ValueTask<RedisConnection> GetConnectionAsync(CancellationToken cancellationToken = default)
    {
        var current = Volatile.Read(ref _current);
        if (current is { IsConnected: true }) return ValueTask.FromResult(current);
        return new ValueTask<RedisConnection>(ConnectOrWaitAsync(cancellationToken));
    }

    private Task<RedisConnection> ConnectOrWaitAsync(CancellationToken cancellationToken)
    {
        Task<RedisConnection> attempt;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_isDisposed, this);
            if (_current is { IsConnected: true } live) return Task.FromResult(live);
            if (_connecting is null)
            {
                var wait = _time.GetElapsedTime(_time.GetTimestamp(), _nextAttemptTimestamp);
                if (_consecutiveFailures > 0 && wait > TimeSpan.Zero)
                {
                    return Task.FromException<RedisConnection>(new RedisConnectionException(
                        Endpoint,
                        $"Redis at {Endpoint} is unreachable ({_consecutiveFailures} failed attempts; last: {_lastError?.Message}); next reconnect attempt in {wait.TotalMilliseconds:0} ms.",
                        _lastError));
                }
                // Task.Run so the attempt's own bookkeeping (which takes this lock) runs after _connecting is set.
                _connecting = Task.Run(ConnectCoreAsync);
            }
            attempt = _connecting;
        }
        return attempt.WaitAsync(cancellationToken);
    }

    private async Task<RedisConnection> ConnectCoreAsync()
    {
        SetState(RedisConnectionState.Connecting, null);
        try
        {
            var connection = await RedisConnection.ConnectAsync(Options, _logger, _disposed.Token).ConfigureAwait(false);
            connection.ConnectionFailed += OnConnectionFailed;
            bool disposedMeanwhile;
            lock (_gate)
            {
                disposedMeanwhile = _isDisposed;
                if (!disposedMeanwhile) _current = connection;
                _connecting = null;
                _consecutiveFailures = 0;
                _lastError = null;
            }
            if (disposedMeanwhile)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new ObjectDisposedException(nameof(RedisClient));
            }
            SetState(RedisConnectionState.Connected, null);
            // The connection may have died between connecting and subscribing; its event would be lost.
            if (!connection.IsConnected) SetState(RedisConnectionState.Disconnected, null);
            return connection;
        }
        catch (Exception ex) when (ex is not ObjectDisposedException)
        {
            TimeSpan backoff;
            lock (_gate)
            {
                _connecting = null;
                _consecutiveFailures++;
                _lastError = ex;
                backoff = Backoff(_consecutiveFailures);
                _nextAttemptTimestamp = _time.GetTimestamp() + (long)(backoff.TotalSeconds * _time.TimestampFrequency);
            }
            _logger.LogWarning("Connecting to Redis at {Endpoint} failed ({Failures} in a row); retrying after {BackoffMs} ms: {Error}",
                Endpoint, _consecutiveFailures, backoff.TotalMilliseconds, ex.Message);
            var error = ex as RedisConnectionException ?? new RedisConnectionException(Endpoint, $"Could not connect to Redis at {Endpoint}: {ex.Message}", ex);
            SetState(RedisConnectionState.Disconnected, error);
            throw error;
        }
    }

    private TimeSpan Backoff(int failures)
    {
        double factor = Math.Pow(2, Math.Min(failures - 1, 30));
        double ms = Math.Min(Options.ReconnectMaxBackoff.TotalMilliseconds, Options.ReconnectMinBackoff.TotalMilliseconds * factor);
        return TimeSpan.FromMilliseconds(ms);
    }

    private void OnConnectionFailed(object? sender, RedisConnectionException error)
    {
        var failed = (RedisConnection)sender!;
        failed.ConnectionFailed -= OnConnectionFailed;
        // The socket is already closed; disposing returns its buffers.
        _ = failed.DisposeAsync().AsTask();
        lock (_gate)
        {
            _commandsOfClosedConnections += failed.CommandsSent;
            if (!ReferenceEquals(failed, _current)) return;
            _current = null;
        }
        SetState(RedisConnectionState.Disconnected, error);
    }

    private void SetState(RedisConnectionState state, RedisConnectionException? error)
    {
        RedisConnectionState previous;
        lock (_gate)
        {
            previous = _state;
            if (previous == state) return;
            _state = state;
        }
        StateChanged?.Invoke(this, new RedisConnectionStateChangedEventArgs(previous, state, error));
    }

    /// <summary>Closes the connection; commands still waiting fail with <see cref="RedisConnectionException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        RedisConnection? current;
        lock (_gate)
        {
            if (_isDisposed) return;
            _isDisposed = true;
            current = _current;
            _current = null;
            // Still counted once closed: a reader loop's client is disposed before its commands are totalled.
            _commandsOfClosedConnections += current?.CommandsSent ?? 0;
        }
        await _disposed.CancelAsync().ConfigureAwait(false);
        if (current is not null)
        {
            current.ConnectionFailed -= OnConnectionFailed;
            await current.DisposeAsync().ConfigureAwait(false);
        }
        // _disposed is not disposed itself: an attempt still starting may read its token, and a
        // cancellation source without a timer holds nothing that needs releasing.
    }
}

/// <summary>The state of a <see cref="RedisClient"/>'s connection.</summary>
public enum RedisConnectionState
{
    /// <summary>No connection; the next command attempts one (subject to backoff).</summary>
    Disconnected,
    /// <summary>A connection attempt is under way.</summary>
    Connecting,
    /// <summary>Connected and usable.</summary>
    Connected,
}

/// <summary>A change of a <see cref="RedisClient"/>'s connection state.</summary>
/// <param name="Previous">The state before.</param>
/// <param name="Current">The state now.</param>
/// <param name="Error">Why the connection was lost or could not be made; null otherwise.</param>
public sealed record RedisConnectionStateChangedEventArgs(RedisConnectionState Previous, RedisConnectionState Current, RedisConnectionException? Error);
