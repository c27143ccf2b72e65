using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Dispatch.Cli.Run;

/// <summary>
/// Shows a run's progress while it runs — a live bar on a terminal (done/total, rate, ETA, 429s,
/// retries, breaker state), a plain line every few seconds otherwise — and a summary table at the end.
/// </summary>
internal static class RunDisplay
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);

    /// <summary>Shows progress until <paramref name="finished"/> completes.</summary>
    public static async Task ShowProgressAsync(IAnsiConsole console, TextWriter plain, bool interactive, RunStats stats, Stopwatch clock, Task finished)
    {
        if (interactive)
        {
            await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Describe(stats, clock), maxValue: Math.Max(1, stats.Total));
                    while (!finished.IsCompleted)
                    {
                        task.Value = stats.Done;
                        task.Description = Markup.Escape(Describe(stats, clock));
                        await Task.WhenAny(finished, Task.Delay(TimeSpan.FromMilliseconds(250)));
                    }

                    task.Value = stats.Done;
                    task.Description = Markup.Escape(Describe(stats, clock));
                });
            return;
        }

        while (!finished.IsCompleted)
        {
            await Task.WhenAny(finished, Task.Delay(PlainInterval));
            await plain.WriteLineAsync("dispatch run: " + Describe(stats, clock) + Eta(stats, clock));
        }
    }

    /// <summary>Writes the summary table.</summary>
    public static void ShowSummary(IAnsiConsole console, RunStats stats, TimeSpan elapsed, string output, string errors)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("dispatch run").AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders();
        var sent = stats.Completed + stats.Failed;
        table.AddRow("input lines", N(stats.Total));
        table.AddRow("completed", N(stats.Completed));
        table.AddRow("failed", N(stats.Failed));
        table.AddRow("malformed lines", N(stats.Malformed));
        table.AddRow("skipped (completed in an earlier run)", N(stats.Skipped));
        if (stats.Remaining > 0) table.AddRow("interrupted: no result yet (run again to finish)", N(stats.Remaining));
        table.AddRow("429s from the upstream", N(stats.RateLimited));
        table.AddRow("retries", N(stats.Retries));
        table.AddRow("elapsed", elapsed.TotalSeconds.ToString("0.0 's'", CultureInfo.InvariantCulture));
        table.AddRow("throughput", (elapsed.TotalSeconds > 0 ? sent / elapsed.TotalSeconds : 0).ToString("0.0 'calls/s'", CultureInfo.InvariantCulture));
        table.AddRow("latency p50 / p99", string.Create(CultureInfo.InvariantCulture, $"{stats.PercentileMs(50):0} ms / {stats.PercentileMs(99):0} ms"));
        table.AddRow("results", Markup.Escape(output));
        table.AddRow("failures", Markup.Escape(errors));
        console.Write(table);
    }

    /// <summary>The progress line: lines done, rate, 429s, retries, failed calls and malformed lines apart (as the summary has them), breakers.</summary>
    internal static string Describe(RunStats stats, Stopwatch clock)
    {
        var rate = clock.Elapsed.TotalSeconds > 0 ? (stats.Done - stats.Skipped) / clock.Elapsed.TotalSeconds : 0;
        var breaker = stats.Breakers.Length == 0 ? "closed" : stats.Breakers;
        return string.Create(CultureInfo.InvariantCulture,
            $"{stats.Done}/{stats.Total} done, {rate:0.0}/s, {stats.RateLimited} 429s, {stats.Retries} retries, {stats.Failed} failed, {stats.Malformed} malformed, breaker {breaker}");
    }

    private static string Eta(RunStats stats, Stopwatch clock)
    {
        var worked = stats.Done - stats.Skipped;
        if (worked <= 0 || clock.Elapsed.TotalSeconds <= 0) return "";
        var remaining = (stats.Total - stats.Done) / (worked / clock.Elapsed.TotalSeconds);
        return string.Create(CultureInfo.InvariantCulture, $", ETA {TimeSpan.FromSeconds(Math.Ceiling(remaining)):c}");
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
