namespace Dispatch.Actors;

/// <summary>A strategy deciding by exception, with a restart limit per window: the common ground of one-for-one and all-for-one.</summary>
public abstract class DeciderStrategy : SupervisorStrategy
{
    private readonly Func<Exception, Directive> _decider;

    /// <summary>Creates the strategy: at most <paramref name="maxNrOfRetries"/> restarts (null or negative: unlimited) within <paramref name="withinTimeRange"/> (null: ever).</summary>
    protected DeciderStrategy(int? maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> decider)
    {
        ArgumentNullException.ThrowIfNull(decider);
        MaxNumberOfRetries = maxNrOfRetries ?? -1;
        WithinTimeRange = withinTimeRange;
        _decider = decider;
    }

    /// <summary>The restart limit; negative means unlimited.</summary>
    public int MaxNumberOfRetries { get; }

    /// <summary>The window the restart limit applies to; null means ever.</summary>
    public TimeSpan? WithinTimeRange { get; }

    /// <inheritdoc />
    protected override Directive Handle(IActorRef child, Exception cause) => _decider(cause);

    /// <summary>Counts a restart of <paramref name="stats"/>' child against the limit; false when it is exceeded.</summary>
    protected bool RequestRestartPermission(IActorContext context, ChildRestartStats stats)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(stats);
        return stats.RequestRestartPermission(context.System.Settings.TimeProvider, MaxNumberOfRetries, WithinTimeRange);
    }
}
