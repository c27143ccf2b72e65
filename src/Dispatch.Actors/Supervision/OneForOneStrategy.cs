namespace Dispatch.Actors;

/// <summary>Applies the decision to the failed child only; past the restart limit the child is stopped.</summary>
public class OneForOneStrategy : DeciderStrategy
{
    /// <summary>Creates the strategy: at most <paramref name="maxNrOfRetries"/> restarts (null or negative: unlimited) within <paramref name="withinTimeRange"/> (null: ever).</summary>
    public OneForOneStrategy(int? maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> localOnlyDecider)
        : base(maxNrOfRetries, withinTimeRange, localOnlyDecider)
    {
    }

    /// <summary>Creates the strategy with unlimited restarts.</summary>
    public OneForOneStrategy(Func<Exception, Directive> localOnlyDecider)
        : this(null, null, localOnlyDecider)
    {
    }

    /// <inheritdoc />
    protected override void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (restart && RequestRestartPermission(context, stats))
        {
            RestartChild(child, cause, suspendFirst: false);
        }
        else
        {
            context.Stop(child);
        }
    }
}
