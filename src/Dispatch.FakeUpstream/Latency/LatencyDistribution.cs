namespace Dispatch.FakeUpstream.Latency;

/// <summary>How the server picks each response's delay.</summary>
public enum LatencyDistribution
{
    /// <summary>Every response waits <see cref="LatencyOptions.Delay"/>.</summary>
    Fixed = 0,

    /// <summary>Uniform between <see cref="LatencyOptions.Min"/> and <see cref="LatencyOptions.Max"/>.</summary>
    Uniform,

    /// <summary>
    /// Piecewise linear through the given percentiles: <c>P50/2</c> at 0, <see cref="LatencyOptions.P50"/>
    /// at the median, <see cref="LatencyOptions.P90"/> at 0.9, <see cref="LatencyOptions.P99"/> at 0.99,
    /// and <c>P99 + (P99 - P90)</c> at 1 — a long-ish tail like a real provider's.
    /// </summary>
    Percentiles,
}
