using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dispatch.Cli.Bench;

/// <summary>One measured figure of one client.</summary>
/// <param name="Name">What it is, e.g. <c>calls/s</c>.</param>
/// <param name="Value">The figure.</param>
internal sealed record Metric(string Name, double Value);

/// <summary>One client's figures in one scenario.</summary>
/// <param name="Client">The client's name.</param>
/// <param name="Metrics">Its figures, in display order.</param>
internal sealed record ClientResult(string Client, IReadOnlyList<Metric> Metrics)
{
    /// <summary>The figure named <paramref name="name"/>, or <see langword="null"/>.</summary>
    public double? Get(string name) => Metrics.FirstOrDefault(m => m.Name == name)?.Value;
}

/// <summary>One target checked against this run, or a figure shown beside the targets for information.</summary>
/// <param name="Target">The target, in words.</param>
/// <param name="Measured">What this run measured, in words.</param>
/// <param name="Pass">Whether it holds (for an informational figure: whether it would meet the bar named).</param>
/// <param name="Informational">A figure with no target of its own (e.g. the defaults' utilisation where the target is set for a fitted configuration).</param>
internal sealed record TargetCheck(string Target, string Measured, bool Pass, bool Informational = false);

/// <summary>One scenario's results.</summary>
/// <param name="Name">overhead, accuracy, storm or memory.</param>
/// <param name="Setup">The upstream and workload, in words.</param>
/// <param name="Clients">Each client's figures.</param>
/// <param name="Targets">The targets checked.</param>
internal sealed record ScenarioResult(string Name, string Setup, IReadOnlyList<ClientResult> Clients, IReadOnlyList<TargetCheck> Targets);

/// <summary>The machine the run was on; figures mean little without it.</summary>
/// <param name="Os">Operating system.</param>
/// <param name="Runtime">.NET runtime.</param>
/// <param name="ProcessorCount">Logical processors.</param>
/// <param name="LoadAverageBefore">/proc/loadavg when the run started, when available.</param>
/// <param name="LoadAverageAfter">/proc/loadavg when it ended.</param>
internal sealed record MachineInfo(string Os, string Runtime, int ProcessorCount, string? LoadAverageBefore, string? LoadAverageAfter)
{
    /// <summary>The current load average line, or <see langword="null"/> off Linux.</summary>
    public static string? LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;
}

/// <summary>Everything one <c>dispatch bench</c> run measured: the JSON file's root.</summary>
/// <param name="Command">The exact command line.</param>
/// <param name="StartedAt">When the run started (UTC).</param>
/// <param name="Machine">Where it ran.</param>
/// <param name="Scenarios">The scenarios run, in order.</param>
internal sealed record BenchReport(string Command, DateTimeOffset StartedAt, MachineInfo Machine, IReadOnlyList<ScenarioResult> Scenarios)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The report as indented camelCase JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
