namespace Dispatch.Cli.Bench;

/// <summary>Nearest-rank percentiles over recorded samples.</summary>
internal static class Percentiles
{
    /// <summary>
    /// The nearest-rank percentile of <paramref name="sorted"/>: the smallest sample with at least
    /// <paramref name="percentile"/> % of the samples at or below it. Nearest rank, not
    /// interpolation, so the answer is always a latency some call really had.
    /// </summary>
    /// <param name="sorted">Samples in ascending order; empty gives 0.</param>
    /// <param name="percentile">In (0, 100].</param>
    public static long Of(ReadOnlySpan<long> sorted, double percentile)
    {
        if (percentile is <= 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "must be in (0, 100]");
        if (sorted.IsEmpty) return 0;
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }
}
