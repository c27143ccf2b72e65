namespace Dispatch.Cluster.Redis;

public static partial class RedisCommands
{
    /// <summary><c>SCRIPT LOAD</c>: caches the script on the server and returns its SHA-1.</summary>
    public static async Task<string> ScriptLoadAsync(this IRedisCommandExecutor redis, string script, CancellationToken cancellationToken = default) =>
        (await redis.ExecuteAsync("SCRIPT", new RedisValue[] { "LOAD", script }, cancellationToken).ConfigureAwait(false)).AsString()!;

    /// <summary>
    /// Runs a script by <c>EVALSHA</c>; when the server does not have it cached (<c>NOSCRIPT</c>,
    /// after a restart or <c>SCRIPT FLUSH</c>) it is sent once more with <c>EVAL</c>, which caches it again.
    /// </summary>
    public static async Task<RedisResult> EvalShaAsync(this IRedisCommandExecutor redis, RedisScript script,
        ReadOnlyMemory<RedisValue> keys, ReadOnlyMemory<RedisValue> args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        int length = 2 + keys.Length + args.Length;
        var buffer = Rent(length);
        try
        {
            buffer[0] = script.Sha1;
            buffer[1] = keys.Length;
            keys.Span.CopyTo(buffer.AsSpan(2));
            args.Span.CopyTo(buffer.AsSpan(2 + keys.Length));
            try
            {
                return await redis.ExecuteAsync("EVALSHA", buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.ErrorKind == "NOSCRIPT")
            {
                buffer[0] = script.Text;
                return await redis.ExecuteAsync("EVAL", buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Return(buffer);
        }
    }
}
