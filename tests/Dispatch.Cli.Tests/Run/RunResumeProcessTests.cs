using System.Text.Json.Nodes;
using Dispatch.Cli.Tests.Support;
using Dispatch.FakeUpstream;

namespace Dispatch.Cli.Tests.Run;

/// <summary>Re-runs: what a second <c>dispatch run</c> over the same output sends again, writes and exits with.</summary>
public sealed class RunResumeProcessTests : IAsyncLifetime
{
    private const string Key = "sk-resume-test";
    private const string KeyVariable = "DISPATCH_RESUME_TEST_KEY";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("errors-resume-");
    private FakeUpstreamServer _upstream = null!;

    public async Task InitializeAsync() =>
        _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { RequiredApiKey = Key });

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task A_re_run_sends_the_failed_ids_again_and_leaves_one_line_per_id_with_its_latest_outcome()
    {
        var (input, output, config) = await Prepare(20);

        using (var first = DispatchProcess.Start("run", input, "-o", output, "--config", config))
            Assert.Equal(1, await first.WaitAsync(RunTimeout));
        Assert.All(Results(output), r => Assert.Equal("Authentication", r["error"]!.ToString()));

        using var second = DispatchProcess.Start(["run", input, "-o", output, "--config", config], new Dictionary<string, string> { [KeyVariable] = Key });
        var exitCode = await second.WaitAsync(RunTimeout);

        var results = Results(output);
        Assert.Equal(0, exitCode);
        Assert.Equal(20, results.Count);
        Assert.Equal(20, results.Select(r => r["id"]!.ToString()).Distinct().Count());
        Assert.All(results, r => Assert.Equal("Completed", r["status"]!.ToString()));
        Assert.Empty(Results(Path.Combine(_directory.FullName, "results.errors.jsonl")));
    }

    [Fact]
    public async Task With_skip_failed_a_re_run_sends_nothing_and_exits_1_while_failures_remain()
    {
        var (input, output, config) = await Prepare(5);
        using (var first = DispatchProcess.Start("run", input, "-o", output, "--config", config))
            Assert.Equal(1, await first.WaitAsync(RunTimeout));

        using var second = DispatchProcess.Start(["run", input, "-o", output, "--config", config, "--skip-failed"], new Dictionary<string, string> { [KeyVariable] = Key });
        var exitCode = await second.WaitAsync(RunTimeout);

        Assert.Equal(1, exitCode);
        Assert.Equal(5, Results(output).Count(r => r["status"]!.ToString() == "Failed"));
        Assert.Equal(0, _upstream.Counters.Snapshot().RequestsReceived);
    }

    [Fact]
    public async Task Line_ids_and_explicit_ids_never_clash_and_a_re_run_after_fixing_the_bad_lines_sends_only_those()
    {
        var (_, output, config) = await Prepare(0);
        var input = Path.Combine(_directory.FullName, "mixed.jsonl");
        var withKey = new Dictionary<string, string> { [KeyVariable] = Key };
        await File.WriteAllLinesAsync(input, [Body(1), Envelope("1", 2), Envelope("1", 3), "{not json", Envelope("4", 5)]);

        using (var first = DispatchProcess.Start(["run", input, "-o", output, "--config", config], withKey))
        {
            Assert.Equal(1, await first.WaitAsync(RunTimeout));
            var problems = first.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains(" done, ", StringComparison.Ordinal)).ToList();
            Assert.Equal(
                ["dispatch run: line 3: the id '1' is used by an earlier line (this line's result is 'line:3')", "dispatch run: line 4, column 2: not valid JSON: 'n' is an invalid start of a property name. Expected a '\"'."],
                problems);
            // The last progress line and the summary count the same: malformed lines apart from failed calls.
            Assert.Contains(", 0 failed, 2 malformed, ", first.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1], StringComparison.Ordinal);
            Assert.Matches(@"failed\s+│\s+0 │", first.StandardOutput);
            Assert.Matches(@"malformed lines\s+│\s+2 │", first.StandardOutput);
        }

        Assert.Equal(
            [("1", "Completed"), ("4", "Completed"), ("line:1", "Completed"), ("line:3", "Rejected"), ("line:4", "Rejected")],
            Outcomes(output));

        await File.WriteAllLinesAsync(input, [Body(1), Envelope("1", 2), Envelope("3", 3), Body(4), Envelope("4", 5)]);
        using var second = DispatchProcess.Start(["run", input, "-o", output, "--config", config], withKey);

        Assert.Equal(0, await second.WaitAsync(RunTimeout));
        Assert.Equal(
            [("1", "Completed"), ("3", "Completed"), ("4", "Completed"), ("line:1", "Completed"), ("line:4", "Completed")],
            Outcomes(output));
        Assert.Equal(3 + 2, _upstream.Counters.Snapshot().RequestsReceived);
    }

    [Fact]
    public async Task An_api_key_env_flag_naming_an_unset_variable_exits_2_naming_it()
    {
        var (input, output, _) = await Prepare(3);

        using var run = DispatchProcess.Start("run", input, "-o", output, "--url", _upstream.BaseUrl + "/v1/chat/completions", "--api-key-env", "DISPATCH_SURELY_UNSET_KEY");
        var exitCode = await run.WaitAsync(RunTimeout);

        Assert.Equal(2, exitCode);
        var error = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("DISPATCH_SURELY_UNSET_KEY", error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    private async Task<(string Input, string Output, string Config)> Prepare(int lines)
    {
        var input = Path.Combine(_directory.FullName, "requests.jsonl");
        await File.WriteAllLinesAsync(input, Enumerable.Range(1, lines).Select(i => $$"""{"model":"m","messages":[{"role":"user","content":"call {{i}}"}],"max_tokens":5}"""));
        var config = Path.Combine(_directory.FullName, "app.conf");
        await File.WriteAllTextAsync(config, $$"""
            dispatch.endpoints.chat {
              base-url = "{{_upstream.BaseUrl}}"
              path = /v1/chat/completions
              api-key-env = {{KeyVariable}}
              rate-limit { requests = 100000, interval = 1s }
            }
            """);
        return (input, Path.Combine(_directory.FullName, "results.jsonl"), config);
    }

    private static string Body(int call) => $$"""{"model":"m","messages":[{"role":"user","content":"call {{call}}"}],"max_tokens":5}""";

    private static string Envelope(string id, int call) => $$"""{"id":"{{id}}","body":{{Body(call)}}}""";

    private static List<(string Id, string Status)> Outcomes(string path) =>
        Results(path).Select(r => (r["id"]!.ToString(), r["status"]!.ToString())).Order().ToList();

    private static List<JsonNode> Results(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!).ToList();
}
