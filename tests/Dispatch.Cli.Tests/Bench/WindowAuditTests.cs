using Dispatch.Cli.Bench;

namespace Dispatch.Cli.Tests.Bench;

public sealed class WindowAuditTests
{
    [Fact]
    public void Admissions_exactly_one_window_apart_never_share_a_window()
    {
        (long, long)[] admissions = [(0, 10), (10, 10), (20, 10)];

        Assert.Equal((1L, 10L), WindowAudit.Busiest(admissions, window: 10));
    }

    [Fact]
    public void Admissions_just_inside_one_window_are_counted_together()
    {
        (long, long)[] admissions = [(0, 10), (9, 20), (18, 30)];

        Assert.Equal((2L, 50L), WindowAudit.Busiest(admissions, window: 10));
    }

    [Fact]
    public void Requests_and_tokens_peak_in_different_windows_independently()
    {
        // Three small requests together, later one large request alone.
        (long, long)[] admissions = [(0, 1), (1, 1), (2, 1), (100, 500)];

        Assert.Equal((3L, 500L), WindowAudit.Busiest(admissions, window: 10));
    }

    [Fact]
    public void Admissions_out_of_order_are_audited_by_time()
    {
        (long, long)[] admissions = [(18, 30), (0, 10), (9, 20)];

        Assert.Equal((2L, 50L), WindowAudit.Busiest(admissions, window: 10));
    }

    [Fact]
    public void No_admissions_give_an_empty_busiest_window() =>
        Assert.Equal((0L, 0L), WindowAudit.Busiest([], window: 10));
}
