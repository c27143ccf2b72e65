namespace Dispatch.Cluster.Redis;

/// <summary>Something that sends a command to Redis and returns its reply: a <see cref="RedisConnection"/> or a reconnecting <see cref="RedisClient"/>.</summary>
public interface IRedisCommandExecutor
{
    /// <summary>The server as <c>host:port</c>, for error messages.</summary>
    string Endpoint { get; }

    /// <summary>Sends <c>command args...</c> and returns the reply.</summary>
    /// <param name="command">The command name (<c>GET</c>, <c>XADD</c>...).</param>
    /// <param name="args">The arguments; the memory is read before the method returns its task and may be reused afterwards.</param>
    /// <param name="cancellationToken">Cancels the wait for the reply. A command already sent still runs on the server.</param>
    /// <exception cref="RedisServerException">The server replied with an error.</exception>
    /// <exception cref="RedisConnectionException">The connection failed before the reply arrived.</exception>
    Task<RedisResult> ExecuteAsync(string command, ReadOnlyMemory<RedisValue> args, CancellationToken cancellationToken = default);
}
