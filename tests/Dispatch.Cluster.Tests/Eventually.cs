using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests;

/// <summary>
/// Retries an action against a server that is coming back (or a clock that must pass a second):
/// connection errors are retried until the deadline, and the last result is returned.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(15);

    public static Task<T> SucceedsAsync<T>(Func<Task<T>> action) => ReturnsAsync(action, _ => true);

    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> action, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + Within;
        while (true)
        {
            try
            {
                var result = await action();
                if (done(result) || DateTime.UtcNow > deadline) return result;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
            }
            await Task.Delay(20);
        }
    }
}
