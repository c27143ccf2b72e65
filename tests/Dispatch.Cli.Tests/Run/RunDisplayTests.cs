using System.Diagnostics;
using Dispatch.Cli.Run;
using Dispatch.Core.Protocol;

namespace Dispatch.Cli.Tests.Run;

public sealed class RunDisplayTests
{
    [Fact]
    public void The_progress_line_counts_malformed_lines_apart_from_failed_calls_as_the_summary_does()
    {
        var stats = new RunStats(3);
        stats.Record(APICallResult.Failed("a", ErrorKind.Server, "HTTP 500", 500));
        stats.RecordMalformed();

        var line = RunDisplay.Describe(stats, new Stopwatch());

        Assert.Contains("1 failed, 1 malformed", line, StringComparison.Ordinal);
    }
}
