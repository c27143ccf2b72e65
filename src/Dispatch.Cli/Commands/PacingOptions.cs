using System.CommandLine;
using System.Globalization;
using Dispatch.Hosting.DependencyInjection;

namespace Dispatch.Cli.Commands;

/// <summary>The <c>--pacing</c> and <c>--burst</c> flags <c>run</c>, <c>node</c> and <c>demo</c> share (<c>rate-limit.pacing</c>, <c>rate-limit.burst</c>).</summary>
internal static class PacingOptions
{
    public static Option<string?> Pacing() => new("--pacing")
    {
        Description = "smooth (default): grants spaced evenly, as providers that enforce per second or as a leaky bucket need; burst: a whole interval's credits at once.",
    };

    public static Option<int?> Burst() => new("--burst")
    {
        Description = "With smooth pacing, the requests that may go out at once (default: 3, with no second over what a per-second limit allows).",
    };

    /// <summary>The one-line error for values the flags cannot take, or <see langword="null"/> when they are fine.</summary>
    public static string? Check(string? pacing, int? burst) =>
        pacing is not null && !pacing.Equals("smooth", StringComparison.OrdinalIgnoreCase) && !pacing.Equals("burst", StringComparison.OrdinalIgnoreCase)
            ? $"--pacing must be smooth or burst (was '{pacing}')"
            : burst is <= 0 ? $"--burst must be at least 1 (was {burst})" : null;

    /// <summary>Sets the flags for every endpoint, through <c>dispatch.endpoint-defaults</c>; the mapping validates them.</summary>
    public static void Apply(DispatchBuilder builder, string? pacing, int? burst)
    {
        if (pacing is not null) builder.Override("dispatch.endpoint-defaults.rate-limit.pacing", pacing, "--pacing");
        if (burst is { } b) builder.Override("dispatch.endpoint-defaults.rate-limit.burst", b.ToString(CultureInfo.InvariantCulture), "--burst");
    }
}
