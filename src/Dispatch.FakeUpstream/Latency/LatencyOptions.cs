namespace Dispatch.FakeUpstream.Latency;

/// <summary>
/// How long the server waits before answering an admitted or faulted request (never before a
/// 401, 400, 413 or rate-limit 429). Delays run on real time: a virtual clock cannot slow a socket.
/// </summary>
public sealed record LatencyOptions
{
    /// <summary>No delay (the default).</summary>
    public static LatencyOptions None { get; } = new();

    /// <summary>Which distribution delays are drawn from. Default <see cref="LatencyDistribution.Fixed"/>.</summary>
    public LatencyDistribution Distribution { get; init; } = LatencyDistribution.Fixed;

    /// <summary>The delay of <see cref="LatencyDistribution.Fixed"/>. Default zero.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>The shortest delay of <see cref="LatencyDistribution.Uniform"/>. Default zero.</summary>
    public TimeSpan Min { get; init; }

    /// <summary>The longest delay of <see cref="LatencyDistribution.Uniform"/>. Default zero.</summary>
    public TimeSpan Max { get; init; }

    /// <summary>The median of <see cref="LatencyDistribution.Percentiles"/>. Default zero.</summary>
    public TimeSpan P50 { get; init; }

    /// <summary>The 90th percentile of <see cref="LatencyDistribution.Percentiles"/>. Default zero.</summary>
    public TimeSpan P90 { get; init; }

    /// <summary>The 99th percentile of <see cref="LatencyDistribution.Percentiles"/>. Default zero.</summary>
    public TimeSpan P99 { get; init; }

    /// <summary>Every response waits <paramref name="delay"/>.</summary>
    /// <param name="delay">The delay.</param>
    public static LatencyOptions Fixed(TimeSpan delay) => new() { Distribution = LatencyDistribution.Fixed, Delay = delay };

    /// <summary>Delays uniform in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <param name="min">The shortest delay.</param>
    /// <param name="max">The longest delay.</param>
    public static LatencyOptions Uniform(TimeSpan min, TimeSpan max) => new() { Distribution = LatencyDistribution.Uniform, Min = min, Max = max };

    /// <summary>Delays with the given percentiles (see <see cref="LatencyDistribution.Percentiles"/>).</summary>
    /// <param name="p50">The median.</param>
    /// <param name="p90">The 90th percentile.</param>
    /// <param name="p99">The 99th percentile.</param>
    public static LatencyOptions FromPercentiles(TimeSpan p50, TimeSpan p90, TimeSpan p99) =>
        new() { Distribution = LatencyDistribution.Percentiles, P50 = p50, P90 = p90, P99 = p99 };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    /// <param name="path">The name these options have in their parent, used in the message.</param>
    public void Validate(string path = nameof(FakeUpstreamOptions.Latency))
    {
        switch (Distribution)
        {
            case LatencyDistribution.Fixed:
                NotNegative(path, nameof(Delay), Delay);
                break;
            case LatencyDistribution.Uniform:
                NotNegative(path, nameof(Min), Min);
                if (Max < Min) throw OptionError.Create($"{path}.{nameof(Max)}", $"must not be below {nameof(Min)} {Min} (was {Max})");
                break;
            case LatencyDistribution.Percentiles:
                NotNegative(path, nameof(P50), P50);
                if (P90 < P50) throw OptionError.Create($"{path}.{nameof(P90)}", $"must not be below {nameof(P50)} {P50} (was {P90})");
                if (P99 < P90) throw OptionError.Create($"{path}.{nameof(P99)}", $"must not be below {nameof(P90)} {P90} (was {P99})");
                break;
            default:
                throw OptionError.Create($"{path}.{nameof(Distribution)}", $"is not a distribution (was {Distribution})");
        }
    }

    /// <summary>Whether every delay is zero, so requests need not draw or wait at all.</summary>
    internal bool IsZero => Distribution switch
    {
        LatencyDistribution.Fixed => Delay == TimeSpan.Zero,
        LatencyDistribution.Uniform => Max == TimeSpan.Zero,
        _ => P99 == TimeSpan.Zero,
    };

    /// <summary>One delay, drawn from <paramref name="random"/> when the distribution needs it.</summary>
    internal TimeSpan Sample(SharedRandom random)
    {
        switch (Distribution)
        {
            case LatencyDistribution.Fixed:
                return Delay;
            case LatencyDistribution.Uniform:
                return Min == Max ? Min : Lerp(Min, Max, random.NextDouble());
            default:
                var u = random.NextDouble();
                if (u < 0.5) return Lerp(P50 / 2, P50, u / 0.5);
                if (u < 0.9) return Lerp(P50, P90, (u - 0.5) / 0.4);
                if (u < 0.99) return Lerp(P90, P99, (u - 0.9) / 0.09);
                return Lerp(P99, P99 + (P99 - P90), (u - 0.99) / 0.01);
        }
    }

    private static TimeSpan Lerp(TimeSpan from, TimeSpan to, double fraction) =>
        from + TimeSpan.FromTicks((long)((to - from).Ticks * fraction));

    private static void NotNegative(string path, string name, TimeSpan value)
    {
        if (value < TimeSpan.Zero) throw OptionError.Create($"{path}.{name}", $"must not be negative (was {value})");
    }
}
