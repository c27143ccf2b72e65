using Dispatch.Cli.Tests.Support;

namespace Dispatch.Cli.Tests.Commands;

public sealed class CommandLineProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_run_without_an_output_exits_2_with_one_line_naming_the_missing_option()
    {
        using var run = DispatchProcess.Start("run", "requests.jsonl");

        var exitCode = await run.WaitAsync(Timeout);

        Assert.Equal(2, exitCode);
        var error = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("dispatch run: ", error, StringComparison.Ordinal);
        Assert.Contains("'--output'", error, StringComparison.Ordinal);
        Assert.Empty(run.StandardOutput);
    }

    [Fact]
    public async Task A_flag_value_of_the_wrong_type_exits_2_naming_the_flag()
    {
        using var demo = DispatchProcess.Start("demo", "--calls", "many");

        var exitCode = await demo.WaitAsync(Timeout);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("dispatch demo: ", demo.StandardError, StringComparison.Ordinal);
        Assert.Contains("--calls", demo.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_with_a_concurrency_that_is_not_a_number_exits_2_saying_what_was_expected()
    {
        using var run = DispatchProcess.Start("run", "requests.jsonl", "-o", "out.jsonl", "--concurrency", "abc");

        var exitCode = await run.WaitAsync(Timeout);

        Assert.Equal(2, exitCode);
        var error = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("dispatch run: --concurrency: expected a whole number, got 'abc'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
    }
}
