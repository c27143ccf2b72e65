using Dispatch.Core.Execution;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Tests.Execution;

public class EndpointCountersTests
{
    [Fact]
    public void Final_results_are_counted_by_status_and_cache_hits_separately()
    {
        var counters = new EndpointCounters();

        counters.Record(APICallResult.Completed("a", 200, null));
        counters.Record(APICallResult.Completed("b", 200, null) with { FromCache = true });
        counters.Record(APICallResult.Rejected("c", ErrorKind.QueueFull, "full"));
        counters.Record(APICallResult.TimedOut("d", "queued"));

        Assert.Equal(new CallCounters { Completed = 2, FromCache = 1, Rejected = 1, TimedOut = 1 }, counters.Snapshot());
    }

    [Fact]
    public void Attempts_after_the_first_count_as_retries_and_429s_are_counted()
    {
        var counters = new EndpointCounters();

        counters.RecordAttempt(1, ErrorKind.RateLimited);
        counters.RecordAttempt(2, ErrorKind.RateLimited);
        counters.RecordAttempt(3, ErrorKind.None);

        Assert.Equal((2L, 2L), (counters.Snapshot().Retries, counters.Snapshot().RateLimited));
    }
}
