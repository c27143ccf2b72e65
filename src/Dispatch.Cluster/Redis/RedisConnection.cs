using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dispatch.Cluster.Redis;

/// <summary>
/// One TCP connection to Redis speaking RESP2, shared by any number of concurrent callers.
/// Commands are pipelined: each is framed into a shared output buffer and flushed in batches,
/// and replies are matched to callers in the order the commands were written. When the socket
/// fails every waiting caller gets a <see cref="RedisConnectionException"/>; the connection
/// does not come back (see <see cref="RedisClient"/> for reconnection).
/// </summary>
/// <remarks>
/// A blocking command (<c>XREADGROUP BLOCK</c>, <c>BLPOP</c>) holds up every reply behind it,
/// so blocking reads belong on a connection of their own. <c>SUBSCRIBE</c>, <c>MONITOR</c> and
/// <c>MULTI</c> change how the server answers and are not supported; <c>PUBLISH</c> is.
/// </remarks>
public sealed class RedisConnection : IRedisCommandExecutor, IAsyncDisposable, IDisposable
{
    private const int ReceiveBufferSize = 16 * 1024;

    // One lock orders three things that must agree: the bytes in the output buffer, the queue of
    // callers waiting for replies, and the failure flag (nothing is queued after a failure, and
    // no reply is matched after the queue has been drained by a failure).
    private readonly object _gate = new();
    private readonly ConcurrentQueue<PendingReply> _pending = new();
    private readonly NetworkStream _stream;
    private readonly CancellationTokenSource _closing = new();
    private readonly ILogger _logger;
    private readonly Task _readLoop;
    private readonly TimeProvider _time;
    private readonly long _timeoutTicks;
    private readonly ITimer? _watchdog;
    private RespWriter _queued = new();
    private RespWriter _sending = new();
    private bool _flushing;
    private bool _buffersReleased;
    private RedisConnectionException? _failure;
    private long _commandsSent;

    private RedisConnection(RedisOptions options, Socket socket, ILogger logger)
    {
        Options = options;
        _logger = logger;
        _time = options.TimeProvider;
        _stream = new NetworkStream(socket, ownsSocket: true);
        if (options.CommandTimeout is { } timeout)
        {
            _timeoutTicks = (long)(timeout.TotalSeconds * _time.TimestampFrequency);
            var period = TimeSpan.FromTicks(Math.Clamp(timeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 5, TimeSpan.TicksPerSecond));
            _watchdog = _time.CreateTimer(static state => ((RedisConnection)state!).CheckOverdue(), this, period, period);
        }
        _readLoop = Task.Run(ReadLoopAsync);
    }

    /// <summary>Raised once, on a thread-pool thread, when the connection fails or is disposed.</summary>
    public event EventHandler<RedisConnectionException>? ConnectionFailed;

    /// <summary>The options this connection was made with.</summary>
    public RedisOptions Options { get; }

    /// <inheritdoc />
    public string Endpoint => Options.Endpoint;

    /// <summary>Whether the connection is still usable (it has not failed or been disposed).</summary>
    public bool IsConnected => Volatile.Read(ref _failure) is null;

    /// <summary>How many commands this connection has queued for sending: each is one round trip's worth of work for the server.</summary>
    public long CommandsSent => Interlocked.Read(ref _commandsSent);

    /// <summary>The number of commands sent whose replies have not arrived yet.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Opens a connection, authenticates and selects the database, within <see cref="RedisOptions.ConnectTimeout"/>.</summary>
    /// <exception cref="RedisConnectionException">The server cannot be reached, rejected AUTH or SELECT, or did not answer in time.</exception>
    public static async Task<RedisConnection> ConnectAsync(RedisOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string endpoint = options.Endpoint;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // Keep-alive lets the OS notice a peer that vanished without closing the connection.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            await socket.ConnectAsync(options.Host, options.Port, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new RedisConnectionException(endpoint, $"Connecting to Redis at {endpoint} timed out after {options.ConnectTimeout.TotalMilliseconds:0} ms.");
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new RedisConnectionException(endpoint, $"Could not connect to Redis at {endpoint}: {ex.Message}", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new RedisConnection(options, socket, logger ?? NullLogger.Instance);
        try
        {
            await connection.HandshakeAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            if (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
                throw new RedisConnectionException(endpoint, $"Redis at {endpoint} did not complete the handshake within {options.ConnectTimeout.TotalMilliseconds:0} ms.");
            if (ex is RedisServerException server)
                throw new RedisConnectionException(endpoint, $"Redis at {endpoint} rejected {server.Command}: {server.ServerMessage}", server);
            throw;
        }
        connection._logger.LogDebug("Connected to Redis at {Endpoint}", endpoint);
        return connection;
    }

    private async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        if (Options.Password is { } password)
        {
            RedisValue[] auth = Options.User is { } user ? [user, password] : [password];
            await ExecuteAsync("AUTH", auth, cancellationToken).ConfigureAwait(false);
        }
        if (Options.Database != 0) await ExecuteAsync("SELECT", new RedisValue[] { Options.Database }, cancellationToken).ConfigureAwait(false);
        if (Options.ClientName is { } name) await ExecuteAsync("CLIENT", new RedisValue[] { "SETNAME", name }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<RedisResult> ExecuteAsync(string command, ReadOnlyMemory<RedisValue> args, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<RedisResult>(cancellationToken);

        var reply = new PendingReply(command, _timeoutTicks == 0 ? long.MaxValue : _time.GetTimestamp() + _timeoutTicks);
        reply.CancelWith(cancellationToken);
        bool startFlush = false;
        lock (_gate)
        {
            if (_failure is not null)
            {
                reply.Fail(_failure);
                return reply.Task;
            }
            int mark = _queued.Length;
            try
            {
                _queued.WriteCommand(command, args.Span);
            }
            catch
            {
                _queued.Truncate(mark);
                throw;
            }
            _pending.Enqueue(reply);
            _commandsSent++;
            if (!_flushing)
            {
                _flushing = true;
                startFlush = true;
            }
        }
        if (startFlush) _ = FlushAsync();
        return reply.Task;
    }

    // Commands queued while a write is in flight go out together in the next write, so a burst
    // of concurrent callers costs a few system calls rather than one each. "Nothing left to send"
    // and "no flush running" are decided in one critical section, so a command queued meanwhile is
    // never stranded. A running flush owns the buffer being written; after a failure, whichever of
    // this loop and Fail finishes last returns both buffers to the pool.
    private async Task FlushAsync()
    {
        try
        {
            while (true)
            {
                RespWriter batch;
                lock (_gate)
                {
                    if (_queued.Length == 0 || _failure is not null)
                    {
                        _flushing = false;
                        if (_failure is not null) ReleaseBuffers();
                        return;
                    }
                    batch = _queued;
                    _queued = _sending;
                    _sending = batch;
                }
                await _stream.WriteAsync(batch.WrittenMemory, _closing.Token).ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
            lock (_gate)
            {
                _flushing = false;
                ReleaseBuffers();
            }
        }
    }

    private void ReleaseBuffers()
    {
        if (_buffersReleased) return;
        _buffersReleased = true;
        _queued.Dispose();
        _sending.Dispose();
    }

    private void CheckOverdue()
    {
        if (!_pending.TryPeek(out var oldest) || _time.GetTimestamp() < oldest.Deadline) return;
        Fail(new RedisConnectionException(Endpoint,
            $"Redis at {Endpoint} sent no reply to {oldest.Command} within {Options.CommandTimeout!.Value.TotalMilliseconds:0} ms; the connection is presumed dead."));
    }

    private async Task ReadLoopAsync()
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        int start = 0;
        int end = 0;
        try
        {
            while (true)
            {
                if (end == buffer.Length)
                {
                    if (start > 0)
                    {
                        buffer.AsSpan(start, end - start).CopyTo(buffer);
                        end -= start;
                        start = 0;
                    }
                    else
                    {
                        // One reply is larger than the buffer: grow it rather than fail.
                        byte[] larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, end).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                }

                int read = await _stream.ReadAsync(buffer.AsMemory(end), _closing.Token).ConfigureAwait(false);
                if (read == 0) throw new IOException("the server closed the connection");
                end += read;

                while (start < end && RespParser.TryParse(buffer.AsSpan(start, end - start), out var result, out int consumed))
                {
                    start += consumed;
                    Deliver(result);
                }
                if (start == end) start = end = 0;
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Deliver(RedisResult result)
    {
        PendingReply? reply;
        lock (_gate)
        {
            if (_failure is not null) return;
            if (!_pending.TryDequeue(out reply)) throw new RedisProtocolException("A reply arrived with no command waiting for it.");
        }
        if (result.Type == RedisResultType.Error) reply.Fail(new RedisServerException(result.AsString() ?? string.Empty, reply.Command));
        else reply.Complete(result);
    }

    private void Fail(Exception cause)
    {
        RedisConnectionException failure;
        lock (_gate)
        {
            if (_failure is not null) return;
            if (!_flushing) ReleaseBuffers();
            failure = cause as RedisConnectionException ?? new RedisConnectionException(
                Endpoint,
                cause is ObjectDisposedException
                    ? $"The connection to Redis at {Endpoint} was disposed."
                    : $"The connection to Redis at {Endpoint} was lost: {cause.Message}",
                cause);
            Volatile.Write(ref _failure, failure);
        }
        _watchdog?.Dispose();
        _closing.Cancel();
        _stream.Dispose();
        while (_pending.TryDequeue(out var reply)) reply.Fail(failure);
        if (cause is not ObjectDisposedException) _logger.LogWarning(cause, "Connection to Redis at {Endpoint} lost", Endpoint);
        if (ConnectionFailed is { } handlers) ThreadPool.QueueUserWorkItem(_ => handlers(this, failure));
    }

    /// <summary>Closes the socket; commands still waiting fail with <see cref="RedisConnectionException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        Fail(new ObjectDisposedException(nameof(RedisConnection)));
        await _readLoop.ConfigureAwait(false);
    }

    /// <summary>Closes the socket; commands still waiting fail with <see cref="RedisConnectionException"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private sealed class PendingReply(string command, long deadline) : TaskCompletionSource<RedisResult>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        private CancellationTokenRegistration _cancellation;

        public string Command { get; } = command;

        /// <summary>The timestamp by which the reply is due (long.MaxValue when there is no timeout).</summary>
        public long Deadline { get; } = deadline;

        // A cancelled caller stops waiting, but its slot stays in the queue: the server will still
        // answer the command, and that reply must be consumed to keep the others matched.
        public void CancelWith(CancellationToken cancellationToken)
        {
            if (cancellationToken.CanBeCanceled)
                _cancellation = cancellationToken.UnsafeRegister(static (state, token) => ((PendingReply)state!).TrySetCanceled(token), this);
        }

        public void Complete(RedisResult result)
        {
            TrySetResult(result);
            _cancellation.Dispose();
        }

        public void Fail(Exception error)
        {
            TrySetException(error);
            _cancellation.Dispose();
        }
    }
}
