namespace Dispatch.Actors;

/// <summary>Applies the decision to the failed child and all its siblings; past the restart limit they are all stopped.</summary>
public class AllForOneStrategy : DeciderStrategy
{
    /// <summary>Creates the strategy: at most <paramref name="maxNrOfRetries"/> restarts (null or negative: unlimited) within <paramref name="withinTimeRange"/> (null: ever).</summary>
    public AllForOneStrategy(int? maxNrOfRetries, TimeSpan? withinTimeRange, Func<Exception, Directive> localOnlyDecider)
        : base(maxNrOfRetries, withinTimeRange, localOnlyDecider)
    {
    }

    /// <summary>Creates the strategy with unlimited restarts.</summary>
    public AllForOneStrategy(Func<Exception, Directive> localOnlyDecider)
        : this(null, null, localOnlyDecider)
    {
    }

    /// <inheritdoc />
    protected override void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(children);
        var allowed = restart;
        foreach (var sibling in restart ? children : [])
        {
            allowed &= RequestRestartPermission(context, sibling);
        }

        foreach (var sibling in children)
        {
            if (allowed)
            {
                RestartChild(sibling.Child, cause, suspendFirst: !ReferenceEquals(sibling.Child, child));
            }
            else
            {
                context.Stop(sibling.Child);
            }
        }
    }
}
