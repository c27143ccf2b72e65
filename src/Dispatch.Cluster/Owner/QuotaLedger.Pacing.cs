using Dispatch.Cluster.Protocol;

namespace Dispatch.Cluster.Owner;

/// <summary>The rates the live leases were granted with (smooth pacing): what the nodes may spend at right now.</summary>
internal sealed partial class QuotaLedger
{
    /// <summary>
    /// Per node, the highest rate and burst among its leases still being spent, or ended less than
    /// <paramref name="linger"/> ago. A node paces at the rate of the lease it received last, which is among them, so it
    /// spends no faster than this until those spans end, whichever of its grants arrived first; the linger keeps a rate
    /// from moving to another node while the grants made at it still count in a period the provider enforces (a second).
    /// </summary>
    /// <param name="now">The current time.</param>
    /// <param name="linger">How long after its span ends (or its return arrived) a lease's rate still counts.</param>
    public Dictionary<string, LeasePace> LivePaces(DateTimeOffset now, TimeSpan linger = default)
    {
        var ticks = Advance(now);
        var paces = new Dictionary<string, LeasePace>(StringComparer.Ordinal);
        foreach (var entry in _entries)
        {
            if (entry.Finish + linger.Ticks <= ticks || entry.Pace is not { } pace) continue;
            paces[entry.Node] = paces.TryGetValue(entry.Node, out var other)
                ? new LeasePace(Math.Max(pace.Requests, other.Requests), Math.Max(pace.Tokens, other.Tokens),
                    Math.Max(pace.RequestBurst, other.RequestBurst), Math.Max(pace.TokenBurst, other.TokenBurst))
                : pace;
        }

        return paces;
    }

    /// <summary>When the rate of the first lease of a node other than <paramref name="node"/> that still counts stops counting; <see langword="null"/> for none.</summary>
    /// <param name="node">The node asking.</param>
    /// <param name="now">The current time.</param>
    /// <param name="linger">How long after its span ends a lease's rate still counts.</param>
    public DateTimeOffset? NextPaceEnd(string node, DateTimeOffset now, TimeSpan linger = default)
    {
        var ticks = Advance(now);
        var first = long.MaxValue;
        foreach (var entry in _entries)
        {
            if (entry.Finish + linger.Ticks <= ticks || entry.Pace is null || entry.Node == node) continue;
            first = Math.Min(first, entry.Finish + linger.Ticks);
        }

        return first == long.MaxValue ? null : At(first);
    }
}
