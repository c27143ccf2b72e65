namespace Dispatch.Cluster.Redis;

/// <summary>Passes commands on to another executor and counts them: the round trips one part of a node makes, on a connection it may share.</summary>
internal sealed class CountingCommandExecutor(IRedisCommandExecutor inner) : IRedisCommandExecutor
{
    private long _commandsSent;

    /// <summary>Commands passed on so far (failed ones included: each was a round trip, or an attempt at one).</summary>
    public long CommandsSent => Interlocked.Read(ref _commandsSent);

    /// <inheritdoc />
    public string Endpoint => inner.Endpoint;

    /// <inheritdoc />
    public Task<RedisResult> ExecuteAsync(string command, ReadOnlyMemory<RedisValue> args, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _commandsSent);
        return inner.ExecuteAsync(command, args, cancellationToken);
    }
}
