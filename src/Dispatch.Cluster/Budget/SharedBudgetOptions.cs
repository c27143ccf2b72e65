namespace Dispatch.Cluster.Budget;

/// <summary>Which endpoints share a budget in Redis, their limits, and where the keys live.</summary>
public sealed record SharedBudgetOptions
{
    /// <summary>
    /// The prefix of every budget key. An endpoint's keys are <c>{prefix}:{{endpoint}}:log|grants|state|pause|ready</c>;
    /// the braces keep one endpoint's keys in one Redis Cluster slot, as a script needs. Default <c>dispatch:budget</c>.
    /// </summary>
    public string KeyPrefix { get; init; } = "dispatch:budget";

    /// <summary>The limits of each endpoint, by endpoint name. Required; no endpoint by default.</summary>
    public IReadOnlyDictionary<string, BudgetLimits> Endpoints { get; init; } = new Dictionary<string, BudgetLimits>();

    /// <summary>The longest lease <see cref="SharedBudget.LeaseAsync"/> may hand out. Default 1 second.</summary>
    public TimeSpan MaxLeaseDuration { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long after a <see cref="SharedBudget.TryAcquireAsync"/> grant its request may still reach the provider
    /// (queueing, connection set-up, network). The grant is counted for that whole span, so the provider's windows,
    /// which it measures at arrival, stay within the limits too, not only the windows of grant times. The caller
    /// must send before <see cref="BudgetAcquisition.UseBeforeTimestamp"/> or not at all. At most
    /// <see cref="MaxLeaseDuration"/>. Default zero (counted at the grant only).
    /// </summary>
    public TimeSpan SendWithin { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Whether to grant nothing while Redis has been up for less than an endpoint's interval plus
    /// <see cref="MaxLeaseDuration"/>. A Redis restarted without its data has forgotten the grants
    /// still in the window, and granting a full window again could exceed the provider's limits.
    /// Turn it off only where that brief risk is acceptable (tests). Default true.
    /// </summary>
    /// <remarks>
    /// The guard recognises a restart by a marker key that vanishes with the data. A Redis that
    /// persists to disk restores the marker together with a log that may lack the grants made after
    /// its last save; run the budget's Redis without persistence, or with <c>appendfsync always</c>.
    /// </remarks>
    public bool GuardAgainstRedisRestart { get; init; } = true;

    /// <summary>The clock leases' local deadlines are measured on. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Checks every setting and says which one is wrong and why.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public SharedBudgetOptions Validate()
    {
        if (string.IsNullOrWhiteSpace(KeyPrefix)) throw new ArgumentException("The budget key prefix must not be empty.", nameof(KeyPrefix));
        ArgumentNullException.ThrowIfNull(Endpoints);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (MaxLeaseDuration < TimeSpan.Zero) throw new ArgumentException($"The maximum lease duration must not be negative, not {MaxLeaseDuration}.", nameof(MaxLeaseDuration));
        if (SendWithin < TimeSpan.Zero || SendWithin > MaxLeaseDuration)
            throw new ArgumentException($"send-within ({SendWithin}) must be from zero to the maximum lease duration ({MaxLeaseDuration}).", nameof(SendWithin));
        foreach (var (endpoint, limits) in Endpoints)
        {
            if (string.IsNullOrWhiteSpace(endpoint)) throw new ArgumentException("An endpoint name must not be empty.", nameof(Endpoints));
            ArgumentNullException.ThrowIfNull(limits, $"{nameof(Endpoints)}[{endpoint}]");
            limits.Validate(endpoint);
        }
        return this;
    }
}
