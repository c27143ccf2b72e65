using Dispatch.Cli.Commands;

namespace Dispatch.Cli.Tests.Commands;

public sealed class CommandTreeTests
{
    [Fact]
    public void The_dispatch_command_has_run_node_fake_upstream_demo_up_and_bench()
    {
        var names = CommandTree.Create().Subcommands.Select(c => c.Name).ToHashSet();

        Assert.Equal(new HashSet<string> { "run", "node", "fake-upstream", "demo", "up", "bench" }, names);
    }

    [Fact]
    public void Node_has_a_status_subcommand_that_needs_a_url()
    {
        Assert.Empty(CommandTree.Create().Parse(["node", "status", "--url", "http://127.0.0.1:8780", "--json"]).Errors);
        Assert.NotEmpty(CommandTree.Create().Parse(["node", "status"]).Errors);
    }

    [Fact]
    public void Run_accepts_repeated_headers_and_the_config_less_flags()
    {
        var parse = CommandTree.Create().Parse(["run", "in.jsonl", "-o", "out.jsonl", "--url", "http://x", "--header", "A: 1", "--header", "B: 2", "--limit-requests", "5", "--interval", "200ms", "--concurrency", "3", "--max-attempts", "2"]);

        Assert.Empty(parse.Errors);
    }

    [Theory]
    [InlineData("run", "in.jsonl", "-o", "out.jsonl")]
    [InlineData("node")]
    [InlineData("demo")]
    public void Run_node_and_demo_accept_pacing_and_burst(params string[] command)
    {
        var parse = CommandTree.Create().Parse([.. command, "--pacing", "burst", "--burst", "4"]);

        Assert.Empty(parse.Errors);
    }

    [Theory]
    [InlineData("jumpy", null, "--pacing must be smooth or burst (was 'jumpy')")]
    [InlineData("smooth", 0, "--burst must be at least 1 (was 0)")]
    public void Bad_pacing_flags_are_named_on_one_line(string pacing, int? burst, string error) =>
        Assert.Equal(error, PacingOptions.Check(pacing, burst));

    [Fact]
    public async Task Bench_takes_a_number_of_rounds_and_refuses_fewer_than_one_with_exit_code_2()
    {
        Assert.Empty(CommandTree.Create().Parse(["bench", "--scenario", "overhead", "--rounds", "7"]).Errors);

        // Refused before any scenario starts.
        Assert.Equal(2, await CommandTree.Create().Parse(["bench", "--rounds", "0"]).InvokeAsync());
    }

    [Fact]
    public void Run_without_an_output_is_a_parse_error()
    {
        Assert.NotEmpty(CommandTree.Create().Parse(["run", "in.jsonl"]).Errors);
    }

    [Fact]
    public void A_parse_error_is_described_on_one_line_naming_the_command_and_the_flag()
    {
        var text = CommandTree.DescribeErrors(CommandTree.Create().Parse(["bench", "--scenario", "nope"]));

        Assert.StartsWith("dispatch bench: ", text, StringComparison.Ordinal);
        Assert.Contains("'nope'", text, StringComparison.Ordinal);
        Assert.Contains("'overhead'", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', text);
        Assert.DoesNotContain('\t', text);
    }

    [Theory]
    [InlineData("--concurrency", "abc", "--concurrency: expected a whole number, got 'abc'")]
    [InlineData("--limit-tokens", "1.5", "--limit-tokens: expected a whole number, got '1.5'")]
    public void A_value_of_the_wrong_type_is_described_in_words_without_dotnet_type_names(string flag, string value, string expected)
    {
        var text = CommandTree.DescribeErrors(CommandTree.Create().Parse(["run", "in.jsonl", "-o", "out.jsonl", flag, value]));

        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
    }
}
