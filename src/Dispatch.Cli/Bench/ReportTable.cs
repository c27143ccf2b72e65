using System.Globalization;
using Spectre.Console;

namespace Dispatch.Cli.Bench;

/// <summary>Renders scenario results as Spectre.Console tables: one row per figure, one column per client.</summary>
internal static class ReportTable
{
    /// <summary>Writes one scenario's table and its targets.</summary>
    public static void Write(IAnsiConsole console, ScenarioResult scenario)
    {
        var table = new Table { Title = new TableTitle($"[bold]{Markup.Escape(scenario.Name)}[/]: {Markup.Escape(scenario.Setup)}") };
        table.AddColumn("figure");
        foreach (var client in scenario.Clients) table.AddColumn(new TableColumn(Markup.Escape(client.Client)).RightAligned());
        var names = scenario.Clients.SelectMany(c => c.Metrics.Select(m => m.Name)).Distinct().ToList();
        foreach (var name in names)
        {
            var row = new List<string> { Markup.Escape(name) };
            row.AddRange(scenario.Clients.Select(c => c.Get(name) is { } value ? Format(value) : "–"));
            table.AddRow(row.ToArray());
        }

        console.Write(table);
        foreach (var target in scenario.Targets)
        {
            var verdict = target.Informational ? "[grey]NOTE[/]" : target.Pass ? "[green]PASS[/]" : "[red]MISS[/]";
            console.MarkupLine($"  {verdict} {Markup.Escape(target.Target)} — {Markup.Escape(target.Measured)}");
        }

        console.WriteLine();
    }

    /// <summary>A figure with sensible precision: integers plain, fractions to three significant places.</summary>
    public static string Format(double value) =>
        double.IsNaN(value) ? "–" :
        value == Math.Floor(value) && Math.Abs(value) < 1e15
            ? value.ToString("N0", CultureInfo.InvariantCulture)
            : Math.Abs(value) >= 100 ? value.ToString("N1", CultureInfo.InvariantCulture) : value.ToString("0.###", CultureInfo.InvariantCulture);
}
