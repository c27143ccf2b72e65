using Dispatch.Cli.Run;

namespace Dispatch.Cli.Tests.Run;

public sealed class RunIdsTests
{
    private static readonly Dictionary<string, bool> NoEarlierRun = [];

    [Fact]
    public void A_line_keeps_its_own_id_the_first_time_it_appears()
    {
        var ids = new RunIds(NoEarlierRun, skipFailed: false);

        var line = ids.Claim(new InputLine(1, "a"), out var duplicate);

        Assert.Equal(("a", false), (line.Id, duplicate));
    }

    [Fact]
    public void A_later_line_with_the_same_id_is_filed_under_its_line_id_so_the_first_lines_result_stands()
    {
        var ids = new RunIds(NoEarlierRun, skipFailed: false);
        ids.Claim(new InputLine(1, "a"), out _);

        var line = ids.Claim(new InputLine(2, "a"), out var duplicate);

        Assert.Equal(("line:2", true), (line.Id, duplicate));
    }

    [Fact]
    public void A_line_without_an_id_and_an_explicit_id_equal_to_its_line_number_do_not_clash()
    {
        var ids = new RunIds(NoEarlierRun, skipFailed: false);
        var first = ids.Claim(new InputLine(1, InputLine.LineId(1)), out _);

        var second = ids.Claim(new InputLine(2, "1"), out var duplicate);

        Assert.Equal(("line:1", "1", false), (first.Id, second.Id, duplicate));
    }

    [Fact]
    public void An_earlier_line_id_result_is_superseded_once_that_line_has_an_id_of_its_own()
    {
        var ids = new RunIds(new Dictionary<string, bool> { ["line:2"] = false, ["line:3"] = false }, skipFailed: false);

        ids.Claim(new InputLine(2, "x"), out _);
        ids.Claim(new InputLine(3, InputLine.LineId(3)), out _);

        Assert.Equal(["line:2"], ids.Superseded);
    }

    [Theory]
    [InlineData(true, false, true)]
    [InlineData(false, false, false)]
    [InlineData(false, true, true)]
    public void An_id_is_done_when_it_completed_or_with_skip_failed_when_it_is_in_the_output_at_all(bool completed, bool skipFailed, bool done)
    {
        var ids = new RunIds(new Dictionary<string, bool> { ["a"] = completed }, skipFailed);

        Assert.Equal((done, false), (ids.IsDone("a"), ids.IsDone("b")));
    }
}
