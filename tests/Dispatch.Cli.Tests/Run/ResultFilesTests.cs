using Dispatch.Cli.Run;
using Dispatch.Core.Protocol;

namespace Dispatch.Cli.Tests.Run;

public sealed class ResultFilesTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("dispatch-results-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Theory]
    [InlineData("results.jsonl", "results.errors.jsonl")]
    [InlineData("out/results", "out/results.errors.jsonl")]
    public void The_errors_file_sits_next_to_the_output(string output, string errors)
    {
        Assert.Equal(errors, ResultFiles.ErrorsPathFor(output));
    }

    [Fact]
    public async Task A_partial_last_line_left_by_a_killed_run_is_cut_off_before_appending()
    {
        var output = Path.Combine(_directory.FullName, "r.jsonl");
        await File.WriteAllTextAsync(output, "{\"id\":\"1\"}\n{\"id\":\"2\",\"sta");

        Assert.Equal(["1"], ResultFiles.ReadLatestOutcomes(output).Keys);
        await using (var files = ResultFiles.Open(output))
        {
            await files.WriteAsync(new InputLine(2, "2"), APICallResult.Completed("2", 200, "{}"));
        }

        var lines = await File.ReadAllLinesAsync(output);
        Assert.Equal(2, lines.Length);
        Assert.Equal(["1", "2"], ResultFiles.ReadLatestOutcomes(output).Keys.Order());
    }

    [Fact]
    public async Task A_failed_result_goes_to_both_files_and_a_completed_one_only_to_the_output()
    {
        var output = Path.Combine(_directory.FullName, "r.jsonl");
        await using (var files = ResultFiles.Open(output))
        {
            await files.WriteAsync(new InputLine(1, "ok"), APICallResult.Completed("ok", 200, "{\"a\":1}"));
            await files.WriteAsync(new InputLine(2, "no"), APICallResult.Failed("no", ErrorKind.Server, "HTTP 500", 500));
        }

        Assert.Equal(2, (await File.ReadAllLinesAsync(output)).Length);
        var error = Assert.Single(await File.ReadAllLinesAsync(ResultFiles.ErrorsPathFor(output)));
        Assert.Contains("\"error\":\"Server\"", error);
    }

    [Fact]
    public async Task The_latest_line_of_an_id_is_its_outcome()
    {
        var output = Path.Combine(_directory.FullName, "r.jsonl");
        await File.WriteAllLinesAsync(output,
        [
            """{"id":"a","status":"Failed"}""",
            """{"id":"b","status":"Completed"}""",
            """{"id":"a","status":"Completed"}""",
            """{"id":"b","status":"Rejected"}""",
        ]);

        var latest = ResultFiles.ReadLatestOutcomes(output);

        Assert.True(latest["a"]);
        Assert.False(latest["b"]);
    }

    [Fact]
    public async Task Compacting_keeps_one_line_per_id_its_latest_and_rewrites_the_errors_file_to_the_ids_still_failing()
    {
        var output = Path.Combine(_directory.FullName, "r.jsonl");
        await File.WriteAllLinesAsync(output,
        [
            """{"id":"a","status":"Failed","attempts":1}""",
            """{"id":"b","status":"Failed","attempts":1}""",
            """{"id":"a","status":"Completed","attempts":2}""",
            """{"id":"c","status":"Completed","attempts":1}""",
            """{"id":"b","status":"TimedOut","attempts":2}""",
        ]);
        await File.WriteAllLinesAsync(ResultFiles.ErrorsPathFor(output), ["""{"id":"a","status":"Failed","attempts":1}"""]);

        var (ids, notCompleted) = ResultFiles.Compact(output);

        Assert.Equal((3, 1), (ids, notCompleted));
        Assert.Equal(
            [
                """{"id":"a","status":"Completed","attempts":2}""",
                """{"id":"c","status":"Completed","attempts":1}""",
                """{"id":"b","status":"TimedOut","attempts":2}""",
            ],
            await File.ReadAllLinesAsync(output));
        Assert.Equal(["""{"id":"b","status":"TimedOut","attempts":2}"""], await File.ReadAllLinesAsync(ResultFiles.ErrorsPathFor(output)));
        Assert.Equal(["r.errors.jsonl", "r.jsonl"], _directory.GetFiles().Select(f => f.Name).Order());
    }

    [Fact]
    public async Task Compacting_drops_the_superseded_ids_from_both_files()
    {
        var output = Path.Combine(_directory.FullName, "r.jsonl");
        await File.WriteAllLinesAsync(output,
        [
            """{"id":"line:2","status":"Rejected"}""",
            """{"id":"x","status":"Completed"}""",
        ]);

        var (ids, notCompleted) = ResultFiles.Compact(output, new HashSet<string> { "line:2" });

        Assert.Equal((1, 0), (ids, notCompleted));
        Assert.Equal(["""{"id":"x","status":"Completed"}"""], await File.ReadAllLinesAsync(output));
        Assert.Empty(await File.ReadAllLinesAsync(ResultFiles.ErrorsPathFor(output)));
    }

    [Fact]
    public void A_json_response_is_embedded_as_json_and_anything_else_as_text()
    {
        Assert.Contains("\"response\":{\"a\":1}", ResultFiles.Render(new InputLine(1, "1"), APICallResult.Completed("1", 200, "{\"a\":1}")));
        Assert.Contains("\"response\":\"plain\"", ResultFiles.Render(new InputLine(1, "1"), APICallResult.Completed("1", 200, "plain")));
    }
}
