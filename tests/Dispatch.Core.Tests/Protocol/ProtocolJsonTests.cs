using System.Text.Json;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Tests.Protocol;

public class ProtocolJsonTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static T RoundTrip<T>(T value) => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value))!;

    [Fact]
    public void APICalling_survives_a_json_round_trip_with_every_field_set()
    {
        var call = new APICalling("call-1", "openai-chat", """{"messages":[{"role":"user","content":"hi"}]}""")
        {
            Method = "PUT",
            Path = "/v2/x",
            Headers = new Dictionary<string, string> { ["x-trace"] = "1" },
            RequiredTokens = 42,
            CacheControl = new CacheControl(TimeSpan.FromMinutes(2), NoStore: true),
            Deadline = T0,
        };

        var back = RoundTrip(call);

        Assert.Equal(call with { Headers = back.Headers }, back);
        Assert.Equal("1", back.Headers!["x-trace"]);
    }

    [Fact]
    public void A_calls_response_stream_stays_local_under_either_json_serializer()
    {
        var call = new APICalling("c", "e", "{}") { ResponseStream = new Support.RecordingResponseStream() };

        var systemText = JsonSerializer.Serialize(call);
        // Akka's default serializer (Akka.Remote between nodes) is Newtonsoft's.
        var newtonsoft = Newtonsoft.Json.JsonConvert.SerializeObject(call);

        Assert.DoesNotContain(nameof(APICalling.ResponseStream), systemText, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(APICalling.ResponseStream), newtonsoft, StringComparison.Ordinal);
        Assert.Equal(call with { ResponseStream = null }, RoundTrip(call));
    }

    [Fact]
    public void APICalling_with_only_the_required_fields_survives_a_json_round_trip()
    {
        var call = new APICalling("c", "e", "{}");

        Assert.Equal(call, RoundTrip(call));
    }

    [Fact]
    public void APICallResult_survives_a_json_round_trip_with_every_field_set()
    {
        var result = APICallResult.Failed("call-1", ErrorKind.Server, "upstream answered 503", 503) with
        {
            Body = "{}",
            Attempts = 3,
            QueueTime = TimeSpan.FromMilliseconds(150),
            TotalTime = TimeSpan.FromSeconds(2),
            TokensCharged = 120,
            FromCache = true,
        };

        Assert.Equal(result, RoundTrip(result));
    }

    [Fact]
    public void Status_and_error_kind_are_written_by_name()
    {
        var json = JsonSerializer.Serialize(APICallResult.Rejected("c", ErrorKind.QueueFull, "queue full"));

        Assert.Contains("\"Status\":\"Rejected\"", json);
        Assert.Contains("\"Error\":\"QueueFull\"", json);
    }

    [Fact]
    public void Control_messages_survive_a_json_round_trip()
    {
        Assert.Equal(new CancelCall("c", "e"), RoundTrip(new CancelCall("c", "e")));
        Assert.Equal(new GetStatus("e"), RoundTrip(new GetStatus("e")));
    }

    [Fact]
    public void StatusSnapshot_survives_a_json_round_trip()
    {
        var snapshot = new StatusSnapshot("e", T0)
        {
            QueueDepth = 3,
            InFlight = 2,
            RequestCreditsLeft = 10,
            TokenCreditsLeft = null,
            Breaker = BreakerState.HalfOpen,
            Counters = new CallCounters { Completed = 5, Failed = 1, Retries = 4, RateLimited = 2 },
        };

        Assert.Equal(snapshot, RoundTrip(snapshot));
    }

    [Fact]
    public void Events_survive_a_json_round_trip()
    {
        var changed = new BreakerStateChanged("e", BreakerState.Closed, BreakerState.Open, T0, 5, T0.AddSeconds(30));
        var finished = new CallFinished("e", APICallResult.Completed("c", 200, "{}"));

        Assert.Equal(changed, RoundTrip(changed));
        Assert.Equal(finished, RoundTrip(finished));
    }

    [Fact]
    public void Factories_set_status_and_error_kind_consistently()
    {
        Assert.Equal((CallStatus.Completed, ErrorKind.None), Pair(APICallResult.Completed("c", 200, null)));
        Assert.Equal((CallStatus.Cancelled, ErrorKind.Cancelled), Pair(APICallResult.Cancelled("c", "by caller")));
        Assert.Equal((CallStatus.TimedOut, ErrorKind.Timeout), Pair(APICallResult.TimedOut("c", "while queued")));

        static (CallStatus, ErrorKind) Pair(APICallResult r) => (r.Status, r.Error);
    }

    [Fact]
    public void DispatchStatus_survives_a_json_round_trip()
    {
        var status = new DispatchStatus(T0, [new StatusSnapshot("a", T0) { QueueDepth = 1 }]);

        var back = RoundTrip(status);

        Assert.Equal(status.At, back.At);
        Assert.Equal(status.Endpoints, back.Endpoints);
    }
}
