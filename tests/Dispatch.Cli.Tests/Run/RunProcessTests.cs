using System.Text.Json;
using System.Text.Json.Nodes;
using Dispatch.Cli.Run;
using Dispatch.Cli.Tests.Support;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Latency;

namespace Dispatch.Cli.Tests.Run;

public sealed class RunProcessTests : IAsyncLifetime
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);
    private static readonly int[] MalformedLines = [100, 300, 500, 700, 900];
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("dispatch-run-");
    private FakeUpstreamServer _upstream = null!;

    public async Task InitializeAsync() =>
        _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Latency = LatencyOptions.Fixed(TimeSpan.FromMilliseconds(5)) });

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task A_thousand_lines_with_five_malformed_give_995_completed_and_5_failed_results_naming_their_lines()
    {
        var input = WriteInput(1000, MalformedLines);
        var output = Path.Combine(_directory.FullName, "results.jsonl");

        using var run = DispatchProcess.Start(RunArguments(input, output, concurrency: 16));
        var exitCode = await run.WaitAsync(RunTimeout);

        var results = ReadResults(output);
        Assert.Equal(1000, results.Count);
        Assert.Equal(1000, results.Select(r => r["id"]!.ToString()).Distinct().Count());
        Assert.Equal(995, results.Count(r => r["status"]!.ToString() == "Completed"));
        var failed = results.Where(r => r["status"]!.ToString() != "Completed").ToList();
        Assert.Equal(MalformedLines, failed.Select(r => r["line"]!.GetValue<int>()).Order());
        Assert.All(failed, r => Assert.StartsWith($"line {r["line"]}, column ", r["errorMessage"]!.ToString()));
        Assert.Equal(5, ReadResults(Path.Combine(_directory.FullName, "results.errors.jsonl")).Count);
        Assert.All(MalformedLines, line => Assert.Contains($"dispatch run: line {line}, column ", run.StandardError));
        Assert.Equal(1, exitCode);
    }

    [Fact]
    public async Task Metadata_is_echoed_and_not_sent_and_ids_are_kept()
    {
        var input = Path.Combine(_directory.FullName, "cookbook.jsonl");
        await File.WriteAllLinesAsync(input,
        [
            """{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"row":7}}""",
            """{"id":"env-1","metadata":{"row":8},"tokens":50,"body":{"model":"m","messages":[{"role":"user","content":"yo"}]}}""",
        ]);
        var output = Path.Combine(_directory.FullName, "cookbook-results.jsonl");

        using var run = DispatchProcess.Start(RunArguments(input, output, concurrency: 2));
        var exitCode = await run.WaitAsync(RunTimeout);

        var results = ReadResults(output).ToDictionary(r => r["id"]!.ToString());
        Assert.Equal(0, exitCode);
        Assert.Equal(7, results["line:1"]["metadata"]!["row"]!.GetValue<int>());
        Assert.Equal(8, results["env-1"]["metadata"]!["row"]!.GetValue<int>());
        Assert.All(results.Values, r => Assert.Equal("Completed", r["status"]!.ToString()));
        Assert.Contains("completed", run.StandardOutput);
    }

    [Fact]
    public async Task A_run_killed_halfway_and_run_again_holds_every_id_exactly_once()
    {
        _upstream.Latency = LatencyOptions.Fixed(TimeSpan.FromMilliseconds(30));
        var input = WriteInput(1000, []);
        var output = Path.Combine(_directory.FullName, "resumed.jsonl");

        using (var first = DispatchProcess.Start(RunArguments(input, output, concurrency: 2)))
        {
            await Poll.Until(() => Poll.CompleteLines(output).Count >= 100, RunTimeout, "the first run has written 100 results");
            first.Kill();
        }

        var beforeResume = Poll.CompleteLines(output).Count;
        using var second = DispatchProcess.Start(RunArguments(input, output, concurrency: 16));
        var exitCode = await second.WaitAsync(RunTimeout);

        var ids = ReadResults(output).Select(r => r["id"]!.ToString()).ToList();
        Assert.InRange(beforeResume, 100, 999);
        Assert.Equal(0, exitCode);
        Assert.Equal(1000, ids.Count);
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => InputLine.LineId(i)).Order(), ids.Order());
    }

    [Fact]
    public async Task Ctrl_c_or_sigterm_stops_submitting_writes_no_cancelled_results_and_a_re_run_finishes_the_rest()
    {
        _upstream.Latency = LatencyOptions.Fixed(TimeSpan.FromMilliseconds(30));
        var input = WriteInput(1000, []);
        var output = Path.Combine(_directory.FullName, "interrupted.jsonl");

        using (var first = DispatchProcess.Start(RunArguments(input, output, concurrency: 2)))
        {
            await Poll.Until(() => Poll.CompleteLines(output).Count >= 50, RunTimeout, "the first run has written 50 results");
            first.Terminate();
            Assert.Equal(1, await first.WaitAsync(RunTimeout));
            Assert.Contains("interrupted", first.StandardOutput);
        }

        var partial = ReadResults(output);
        Assert.All(partial, r => Assert.Equal("Completed", r["status"]!.ToString()));
        Assert.InRange(partial.Count, 50, 999);

        using var second = DispatchProcess.Start(RunArguments(input, output, concurrency: 16));
        Assert.Equal(0, await second.WaitAsync(RunTimeout));
        Assert.Equal(1000, ReadResults(output).Select(r => r["id"]!.ToString()).Distinct().Count());
    }

    [Fact]
    public async Task An_endpoint_from_a_config_file_runs_with_flags_overriding_its_settings()
    {
        var config = Path.Combine(_directory.FullName, "app.conf");
        await File.WriteAllTextAsync(config, $$"""
            dispatch.endpoints.chat {
              base-url = "{{_upstream.BaseUrl}}"
              path = /v1/chat/completions
              rate-limit { requests = 1, interval = 1h }
            }
            """);
        var input = WriteInput(20, []);
        var output = Path.Combine(_directory.FullName, "configured.jsonl");

        // Without the flag the limit (1 an hour) would hold 19 calls back for an hour.
        using var run = DispatchProcess.Start("run", input, "-o", output, "--config", config, "--limit-requests", "1000", "--interval", "1s");
        var exitCode = await run.WaitAsync(RunTimeout);

        Assert.Equal(0, exitCode);
        Assert.Equal(20, ReadResults(output).Count(r => r["status"]!.ToString() == "Completed"));
    }

    [Fact]
    public async Task A_bad_config_file_stops_the_run_with_the_key_and_exit_code_2()
    {
        var config = Path.Combine(_directory.FullName, "bad.conf");
        await File.WriteAllTextAsync(config, "dispatch.endpoints.chat {\n  base-url = \"http://127.0.0.1:1\"\n  executor.concurrency = none\n}\n");

        using var run = DispatchProcess.Start("run", WriteInput(3, []), "-o", Path.Combine(_directory.FullName, "bad.jsonl"), "--config", config);
        var exitCode = await run.WaitAsync(RunTimeout);

        Assert.Equal(2, exitCode);
        Assert.Contains("dispatch.endpoints.chat.executor.concurrency", run.StandardError);
        Assert.Contains("bad.conf:3", run.StandardError);
    }

    [Fact]
    public async Task A_run_without_an_endpoint_or_url_stops_with_a_message_and_exit_code_2()
    {
        var input = WriteInput(3, []);

        using var run = DispatchProcess.Start("run", input, "-o", Path.Combine(_directory.FullName, "none.jsonl"));
        var exitCode = await run.WaitAsync(RunTimeout);

        Assert.Equal(2, exitCode);
        Assert.Contains("--url", run.StandardError);
    }

    private string[] RunArguments(string input, string output, int concurrency) =>
    [
        "run", input, "-o", output,
        "--url", _upstream.BaseUrl + "/v1/chat/completions",
        "--limit-requests", "100000", "--interval", "1s",
        "--concurrency", concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--header", "X-Test: yes",
    ];

    private string WriteInput(int lines, int[] malformed)
    {
        var path = Path.Combine(_directory.FullName, $"requests-{lines}-{malformed.Length}.jsonl");
        using var writer = new StreamWriter(path);
        for (var line = 1; line <= lines; line++)
        {
            writer.WriteLine(malformed.Contains(line)
                ? "{\"model\": \"m\", \"messages\": [ this is not json"
                : $$$"""{"model":"m","messages":[{"role":"user","content":"request {{{line}}}"}],"max_tokens":5,"metadata":{"row":{{{line}}}}}""");
        }

        return path;
    }

    private static List<JsonNode> ReadResults(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l) ?? throw new JsonException("null line")).ToList();
}
