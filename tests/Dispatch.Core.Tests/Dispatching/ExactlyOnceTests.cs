using Akka.Actor;
using Dispatch.Core.Breaker;
using Dispatch.Core.Protocol;
using Dispatch.Core.Queue;
using Dispatch.Core.Retry;
using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Faults;
using Xunit.Abstractions;

namespace Dispatch.Core.Tests.Dispatching;

/// <summary>Property: whatever the upstream does, every call gets exactly one final result.</summary>
public class ExactlyOnceTests(ITestOutputHelper output) : DispatchSpec(output, virtualTime: false)
{
    private const int Calls = 10_000;

    protected override FakeUpstreamOptions ConfigureUpstream(FakeUpstreamOptions options) => options with
    {
        Faults = new FaultOptions
        {
            Rates = new Dictionary<FaultKind, double>
            {
                [FaultKind.InternalServerError] = 0.05,
                [FaultKind.BadGateway] = 0.03,
                [FaultKind.ServiceUnavailable] = 0.03,
                [FaultKind.TooManyRequests] = 0.03,
                [FaultKind.ConnectionReset] = 0.03,
                [FaultKind.MalformedJson] = 0.02,
                [FaultKind.BadRequest] = 0.02,
                [FaultKind.NotFound] = 0.01,
                [FaultKind.Unauthorized] = 0.01,
            },
        },
    };

    [Fact]
    public async Task Ten_thousand_calls_with_random_upstream_faults_each_get_exactly_one_final_result()
    {
        var random = new Random(1234);
        var dispatch = StartDispatch(Endpoint(e => e with
        {
            Executor = new Dispatch.Core.Execution.ExecutorOptions { Concurrency = 32 },
            Queue = new QueueOptions { Capacity = Calls },
            Retry = new RetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero },
            Breaker = new BreakerOptions { MaxFailures = 1_000_000 },
        }));
        var caller = CreateTestProbe();
        var published = Subscribe<CallFinished>();

        for (var i = 0; i < Calls; i++)
        {
            var call = Call($"c{i}") with { Headers = new Dictionary<string, string> { [FakeUpstreamHeaders.CallId] = $"c{i}" } };
            dispatch.Tell(call, caller.Ref);
            // Some callers give up: cancellations race with every stage of the pipeline.
            if (random.Next(50) == 0) dispatch.Tell(new CancelCall($"c{random.Next(i + 1)}"), ActorRefs.NoSender);
        }

        var results = caller.ReceiveN(Calls, TimeSpan.FromSeconds(60)).Cast<APICallResult>().ToList();
        var finished = published.ReceiveN(Calls, TimeSpan.FromSeconds(30)).Cast<CallFinished>().ToList();
        await StatusUntil(dispatch, s => s.InFlight == 0 && s.QueueDepth == 0, "the endpoint to be idle");

        caller.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        published.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Equal(Calls, results.Select(r => r.CallId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(Calls, finished.Select(f => f.Result.CallId).Distinct(StringComparer.Ordinal).Count());
        Assert.Contains(results, r => r.Status == CallStatus.Failed);
        Assert.Contains(results, r => r.Status == CallStatus.Completed && r.Attempts > 1);
    }
}
