namespace Dispatch.FakeUpstream.Faults;

/// <summary>Faults injected at random, by rate, and the sizes body faults use.</summary>
public sealed record FaultOptions
{
    /// <summary>No random faults (the default).</summary>
    public static FaultOptions None { get; } = new();

    /// <summary>
    /// The probability, per request, of each fault kind (each in [0, 1], together at most 1).
    /// Empty by default. Drawn from the server's seeded random source (<see cref="FakeUpstreamOptions.RandomSeed"/>).
    /// </summary>
    public IReadOnlyDictionary<FaultKind, double> Rates { get; init; } = new Dictionary<FaultKind, double>();

    /// <summary>The Retry-After sent with randomly injected 429 and 503 faults; <c>null</c> (the default) sends none.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// The body length of an <see cref="FaultKind.OversizedBody"/> response. Default 16 MiB; set it
    /// above the client's maximum response size. At least <see cref="MinOversizedBodyBytes"/>.
    /// </summary>
    public long OversizedBodyBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>The smallest <see cref="OversizedBodyBytes"/> accepted: room for the JSON around the padding.</summary>
    public const long MinOversizedBodyBytes = 1024;

    /// <summary>The sum of all <see cref="Rates"/>: the probability that a request gets a random fault.</summary>
    public double TotalRate
    {
        get
        {
            var total = 0.0;
            foreach (var rate in Rates.Values) total += rate;
            return total;
        }
    }

    /// <summary>Spreads <paramref name="totalRate"/> evenly over <paramref name="kinds"/>.</summary>
    /// <param name="totalRate">The probability that a request gets any of the faults.</param>
    /// <param name="kinds">The kinds to inject; none means 500, 502, 503, timeout and reset.</param>
    public static FaultOptions Spread(double totalRate, params FaultKind[] kinds)
    {
        if (kinds.Length == 0)
            kinds = [FaultKind.InternalServerError, FaultKind.BadGateway, FaultKind.ServiceUnavailable, FaultKind.Timeout, FaultKind.ConnectionReset];
        var rates = new Dictionary<FaultKind, double>();
        foreach (var kind in kinds) rates[kind] = totalRate / kinds.Length;
        return new FaultOptions { Rates = rates };
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    /// <param name="path">The name these options have in their parent, used in the message.</param>
    public void Validate(string path = nameof(FakeUpstreamOptions.Faults))
    {
        if (Rates is null) throw OptionError.Create($"{path}.{nameof(Rates)}", "must not be null");
        foreach (var (kind, rate) in Rates)
        {
            if (kind == FaultKind.None || !Enum.IsDefined(kind))
                throw OptionError.Create($"{path}.{nameof(Rates)}[{kind}]", "is not a fault kind");
            if (!(rate >= 0 && rate <= 1))
                throw OptionError.Create($"{path}.{nameof(Rates)}[{kind}]", $"must be a probability in [0, 1] (was {rate})");
        }

        if (TotalRate > 1 + 1e-9)
            throw OptionError.Create($"{path}.{nameof(Rates)}", $"must add up to at most 1 (was {TotalRate})");
        if (RetryAfter < TimeSpan.Zero)
            throw OptionError.Create($"{path}.{nameof(RetryAfter)}", $"must not be negative (was {RetryAfter})");
        if (OversizedBodyBytes < MinOversizedBodyBytes)
            throw OptionError.Create($"{path}.{nameof(OversizedBodyBytes)}", $"must be at least {MinOversizedBodyBytes} bytes (was {OversizedBodyBytes})");
    }
}
