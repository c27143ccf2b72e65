using System.Text.Json;
using Dispatch.Cli.Bench;
using Spectre.Console;

namespace Dispatch.Cli.Tests.Bench;

public sealed class BenchReportTests
{
    private static readonly BenchReport Report = new(
        "dispatch bench --scenario overhead",
        new DateTimeOffset(2026, 11, 22, 3, 0, 0, TimeSpan.Zero),
        new MachineInfo("Linux", ".NET 10", 2, "1.00 1.00 1.00", "2.00 2.00 2.00"),
        [
            new ScenarioResult("overhead", "unlimited upstream",
                [new ClientResult("Dispatch", [new Metric("calls/s", 1234), new Metric("time to recover (ms)", double.NaN)])],
                [new TargetCheck("Dispatch ≥ 85% of raw HttpClient calls/s", "90.0 %", true)]),
        ]);

    [Fact]
    public void The_json_report_names_the_command_and_the_machine()
    {
        using var json = JsonDocument.Parse(Report.ToJson());
        var root = json.RootElement;

        Assert.Equal("dispatch bench --scenario overhead", root.GetProperty("command").GetString());
        Assert.Equal(2, root.GetProperty("machine").GetProperty("processorCount").GetInt32());
        Assert.Equal("1.00 1.00 1.00", root.GetProperty("machine").GetProperty("loadAverageBefore").GetString());
    }

    [Fact]
    public void The_json_report_holds_each_clients_figures_by_name_in_order()
    {
        using var json = JsonDocument.Parse(Report.ToJson());
        var client = json.RootElement.GetProperty("scenarios")[0].GetProperty("clients")[0];

        Assert.Equal("Dispatch", client.GetProperty("client").GetString());
        Assert.Equal("calls/s", client.GetProperty("metrics")[0].GetProperty("name").GetString());
        Assert.Equal(1234, client.GetProperty("metrics")[0].GetProperty("value").GetDouble());
    }

    [Fact]
    public void The_json_report_carries_each_target_with_its_verdict()
    {
        using var json = JsonDocument.Parse(Report.ToJson());
        var target = json.RootElement.GetProperty("scenarios")[0].GetProperty("targets")[0];

        Assert.True(target.GetProperty("pass").GetBoolean());
        Assert.Equal("90.0 %", target.GetProperty("measured").GetString());
    }

    [Fact]
    public void A_figure_shown_for_information_is_marked_as_such_and_not_judged_a_miss()
    {
        var scenario = new ScenarioResult("accuracy", "sliding window", [],
        [
            new TargetCheck("Dispatch, defaults: utilisation", "94.5 %", false, Informational: true),
            new TargetCheck("Dispatch, burst pacing: utilisation ≥ 99 %", "98.0 %", false),
        ]);
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(text), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });

        ReportTable.Write(console, scenario);
        using var json = JsonDocument.Parse((Report with { Scenarios = [scenario] }).ToJson());

        Assert.Contains("NOTE Dispatch, defaults: utilisation", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("MISS Dispatch, burst pacing", text.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("MISS Dispatch, defaults", text.ToString(), StringComparison.Ordinal);
        Assert.True(json.RootElement.GetProperty("scenarios")[0].GetProperty("targets")[0].GetProperty("informational").GetBoolean());
        Assert.False(json.RootElement.GetProperty("scenarios")[0].GetProperty("targets")[1].GetProperty("informational").GetBoolean());
    }

    [Fact]
    public void A_figure_that_was_not_measured_is_written_as_NaN_not_dropped()
    {
        var text = Report.ToJson();

        Assert.Contains("\"NaN\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_table_shows_a_figure_that_was_not_measured_as_a_dash() =>
        Assert.Equal("–", ReportTable.Format(double.NaN));
}
