namespace Dispatch.Cluster.Tests;

/// <summary>Waits for a condition that needs real time to pass (Redis expiries, idle timeouts), with a generous deadline.</summary>
public static class Poll
{
    public static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + Within;
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Gave up waiting within {Within}: {what} (last value: {value}).");
            await Task.Delay(10);
        }
    }

    public static Task<T> UntilAsync<T>(Func<T> probe, Func<T, bool> done, string what) =>
        UntilAsync(() => Task.FromResult(probe()), done, what);

    /// <summary>Awaits a task that must finish, failing clearly (instead of hanging the run) when it does not.</summary>
    public static Task<T> Finishes<T>(this Task<T> task) => task.WaitAsync(Within);

    /// <inheritdoc cref="Finishes{T}(Task{T})"/>
    public static Task Finishes(this Task task) => task.WaitAsync(Within);
}
