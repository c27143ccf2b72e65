namespace Dispatch.Cli.Tests.Cluster;

/// <summary>
/// Keeps thread-pool workers at hand for the fake provider that the cluster process tests host in the test process, so it
/// stamps each request when it arrives, as a provider on time would.
/// </summary>
/// <remarks>
/// The test host keeps two pool workers blocked for the whole run (vstest's message loop polls its socket, xunit's
/// runner waits for the assembly), and the pool's default minimum is one worker per core: on a two-core machine it
/// then counts itself at capacity, and queued work waits until its starvation check adds a worker. Measured under load
/// (2026-12-05, 36 runs of the graceful-leave test): the provider's requests stayed queued for up to 1.9 s with idle
/// workers and no GC pause, then were all admitted within a millisecond, so calls the nodes sent over 2 + 1.9 s fell in
/// one 2 s window of the provider — beyond the 1 s guard the nodes keep for a call's way there, which is how a run met
/// 429s that the shared quota had not granted. With this minimum the longest wait was under 0.1 s.
/// </remarks>
internal static class ProviderThreads
{
    /// <summary>More than the requests that can be open at the provider at once (three nodes × 16 executors) and the test's own.</summary>
    private const int Workers = 64;

    /// <summary>Raises the pool's minimum of workers to <see cref="Workers"/> (for the whole test process; never lowers it).</summary>
    public static void KeepAtHand()
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        if (workers < Workers) ThreadPool.SetMinThreads(Workers, completionPorts);
    }
}
