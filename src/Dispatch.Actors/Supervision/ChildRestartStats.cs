namespace Dispatch.Actors;

/// <summary>A supervised child and how often it has been restarted, for retry limits.</summary>
public sealed class ChildRestartStats
{
    private long _windowStart;

    internal ChildRestartStats(IActorRef child) => Child = child;

    /// <summary>The child.</summary>
    public IActorRef Child { get; }

    /// <summary>Restarts counted in the current window (or overall, without a window).</summary>
    public int RestartCount { get; private set; }

    /// <summary>
    /// Counts one more restart and says whether it is allowed: at most <paramref name="maxNrOfRetries"/>
    /// (negative: unlimited) within <paramref name="withinTimeRange"/> (null or infinite: ever).
    /// </summary>
    public bool RequestRestartPermission(TimeProvider clock, int maxNrOfRetries, TimeSpan? withinTimeRange)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var windowed = withinTimeRange is { } w && w > TimeSpan.Zero && w != Timeout.InfiniteTimeSpan;
        if (!windowed)
        {
            if (maxNrOfRetries < 0)
            {
                return true;
            }

            RestartCount++;
            return RestartCount <= maxNrOfRetries;
        }

        var limit = maxNrOfRetries < 0 ? 1 : maxNrOfRetries;
        var now = clock.GetTimestamp();
        if (RestartCount == 0 || clock.GetElapsedTime(_windowStart, now) > withinTimeRange!.Value)
        {
            // A new window starts with this restart.
            _windowStart = now;
            RestartCount = 1;
            return RestartCount <= limit;
        }

        RestartCount++;
        return RestartCount <= limit;
    }
}
