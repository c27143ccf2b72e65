using System.CommandLine;
using Spectre.Console;

namespace Dispatch.Cli.Bench;

/// <summary>
/// <c>dispatch bench</c>: the same workload against an in-process fake upstream through a raw
/// <see cref="HttpClient"/>, an <see cref="HttpClient"/> in a Polly pipeline behind rate limiters,
/// and Dispatch; prints a table per scenario with the issue's targets and writes a JSON report.
/// </summary>
public static class BenchCommand
{
    private static readonly string[] ScenarioNames = ["overhead", "accuracy", "storm", "memory", "all"];

    /// <summary>The <c>bench</c> command.</summary>
    public static Command Create()
    {
        var scenario = new Option<string>("--scenario", "-s") { Description = "overhead, accuracy, storm, memory or all.", DefaultValueFactory = _ => "all" };
        scenario.AcceptOnlyFromAmong(ScenarioNames);
        var calls = new Option<int?>("--calls", "-n") { Description = "Calls in the overhead and memory scenarios (default 50,000 and 100,000)." };
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Calls in flight per client.", DefaultValueFactory = _ => 64 };
        var json = new Option<string>("--json") { Description = "Where the JSON report goes.", DefaultValueFactory = _ => "bench-results.json" };
        var quick = new Option<bool>("--quick") { Description = "Shorter runs and fewer calls: a smoke test, not a measurement." };
        var rounds = new Option<int?>("--rounds") { Description = "Overhead scenario: measured rounds of each client, interleaved (default 3; 1 with --quick). The throughput target reads the median round." };
        var profile = new Option<bool>("--profile-allocations") { Description = "Overhead scenario: log each client's most allocated types (sampled; slows the first round)." };
        var command = new Command("bench", "Compare Dispatch with HttpClient and HttpClient + Polly against the fake upstream.")
        {
            scenario, calls, concurrency, json, quick, rounds, profile,
        };
        command.Subcommands.Add(UpstreamProcess.CreateCommand());
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(concurrency) < 1 || parse.GetValue(calls) is < 1 || parse.GetValue(rounds) is < 1)
            {
                await Console.Error.WriteLineAsync("dispatch bench: --calls, --concurrency and --rounds must be at least 1");
                return 2;
            }

            var settings = new BenchSettings(parse.GetValue(calls), parse.GetValue(concurrency), parse.GetValue(quick), Console.Error)
            {
                ProfileAllocations = parse.GetValue(profile),
                Rounds = parse.GetValue(rounds),
            };
            var report = await RunAsync(parse.GetValue(scenario) ?? "all", settings, AnsiConsole.Console, cancellationToken);
            var path = parse.GetValue(json) ?? "bench-results.json";
            await File.WriteAllTextAsync(path, report.ToJson(), cancellationToken);
            AnsiConsole.MarkupLine($"JSON report: [bold]{Markup.Escape(Path.GetFullPath(path))}[/]");
            return 0;
        });
        return command;
    }

    /// <summary>Runs the chosen scenarios in order, printing each table as it completes.</summary>
    internal static async Task<BenchReport> RunAsync(string scenario, BenchSettings settings, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var loadBefore = MachineInfo.LoadAverage();
        var results = new List<ScenarioResult>();
        var all = scenario == "all";
        if (all || scenario == "overhead") results.Add(Print(console, await OverheadScenario.RunAsync(settings, cancellationToken)));
        if (all || scenario == "accuracy")
        {
            foreach (var mode in await AccuracyScenario.RunAsync(settings, cancellationToken)) results.Add(Print(console, mode));
        }

        if (all || scenario == "storm") results.Add(Print(console, await StormScenario.RunAsync(settings, cancellationToken)));
        if (all || scenario == "memory") results.Add(Print(console, await MemoryScenario.RunAsync(settings, cancellationToken)));
        var machine = new MachineInfo(
            System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            Environment.ProcessorCount,
            loadBefore,
            MachineInfo.LoadAverage());
        console.MarkupLine(Markup.Escape($"machine: {machine.Os}, {machine.Runtime}, {machine.ProcessorCount} CPUs, load average before {machine.LoadAverageBefore ?? "n/a"}, after {machine.LoadAverageAfter ?? "n/a"}"));
        var command = "dispatch " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
        return new BenchReport(command, startedAt, machine, results);
    }

    private static ScenarioResult Print(IAnsiConsole console, ScenarioResult result)
    {
        ReportTable.Write(console, result);
        return result;
    }
}
