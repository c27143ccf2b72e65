using Dispatch.FakeUpstream;

namespace Dispatch.Cli.Bench;

/// <summary>The command line's choices, shared by every scenario.</summary>
/// <param name="Calls">Overrides the call count of the overhead and memory scenarios.</param>
/// <param name="Concurrency">Calls in flight per client.</param>
/// <param name="Quick">Shorter runs and fewer calls, for a smoke test; figures are noisier.</param>
/// <param name="Log">Progress lines go here.</param>
internal sealed record BenchSettings(int? Calls, int Concurrency, bool Quick, TextWriter Log)
{
    /// <summary>Whether the overhead scenario samples allocations by type and logs the top ones per client.</summary>
    public bool ProfileAllocations { get; init; }

    /// <summary>Measured rounds of each client in the overhead scenario; <see langword="null"/> for the default (3, or 1 with <see cref="Quick"/>).</summary>
    public int? Rounds { get; init; }

    /// <summary>Seeds every workload, so clients and runs see the same calls.</summary>
    public const int Seed = 7;
}

/// <summary>The three clients under comparison.</summary>
internal enum ClientKind
{
    /// <summary><see cref="RawHttpClient"/>.</summary>
    Raw,

    /// <summary><see cref="PollyClient"/>.</summary>
    Polly,

    /// <summary><see cref="DispatchClient"/>.</summary>
    Dispatch,
}

/// <summary>Creates the clients, all configured from one profile.</summary>
internal static class BenchClients
{
    /// <summary>A client of <paramref name="upstream"/>.</summary>
    public static IBenchClient Create(ClientKind kind, FakeUpstreamServer upstream, ClientProfile profile, Action<string>? onBreakerChange = null) =>
        Create(kind, upstream.BaseAddress, profile, onBreakerChange);

    /// <summary>A client of the upstream at <paramref name="baseAddress"/>.</summary>
    public static IBenchClient Create(ClientKind kind, Uri baseAddress, ClientProfile profile, Action<string>? onBreakerChange = null) =>
        kind switch
        {
            ClientKind.Raw => new RawHttpClient(baseAddress, profile),
            ClientKind.Polly => new PollyClient(baseAddress, profile, onBreakerChange),
            _ => new DispatchClient(baseAddress, profile, onBreakerChange),
        };
}
