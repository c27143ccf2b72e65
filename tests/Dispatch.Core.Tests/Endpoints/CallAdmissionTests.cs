using Dispatch.Core.Caching;
using Dispatch.Core.Endpoints;
using Dispatch.Core.Execution;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Core.Tests.Endpoints;

public class CallAdmissionTests
{
    private readonly FakeTimeProvider _clock = new();

    private static readonly EndpointOptions Chat = new("chat", "https://api.example.com")
    {
        RateLimit = new RateLimitOptions { Requests = 10, Tokens = 1_000 },
    };

    private readonly ResponseCache _cache = new(new CacheOptions());

    private CallAdmission Admission() => new(Chat, cache: _cache);

    private CallExecution Arrived(APICalling call) => new(call, _clock.GetUtcNow());

    private static APICalling Call(string id = "c1", int? tokens = 100) => new(id, "chat", """{"messages":[]}""") { RequiredTokens = tokens };

    [Fact]
    public void A_valid_call_is_accepted_with_its_token_reservation()
    {
        var admission = Admission().Admit(Arrived(Call(tokens: 120)), _clock.GetUtcNow());

        Assert.Equal(Core.Endpoints.Admission.Accept(120), admission);
    }

    [Fact]
    public void A_call_needing_more_tokens_than_the_interval_allows_is_rejected_naming_the_setting()
    {
        var admission = Admission().Admit(Arrived(Call(tokens: 1_001)), _clock.GetUtcNow());

        Assert.Equal(ErrorKind.InvalidRequest, admission.Answer!.Error);
        Assert.Contains("dispatch.endpoints.chat.rate-limit.tokens", admission.Answer.ErrorMessage);
    }

    [Fact]
    public void A_call_with_a_malformed_payload_is_rejected_as_invalid_request()
    {
        var admission = Admission().Admit(Arrived(new APICalling("c1", "chat", "{oops")), _clock.GetUtcNow());

        Assert.Equal((CallStatus.Rejected, ErrorKind.InvalidRequest), (admission.Answer!.Status, admission.Answer.Error));
    }

    [Fact]
    public void A_call_whose_deadline_has_passed_is_timed_out_on_arrival()
    {
        var admission = Admission().Admit(Arrived(Call() with { Deadline = _clock.GetUtcNow() }), _clock.GetUtcNow());

        Assert.Equal(CallStatus.TimedOut, admission.Answer!.Status);
    }

    [Fact]
    public void A_call_without_an_id_is_rejected()
    {
        var admission = Admission().Admit(Arrived(Call(id: "")), _clock.GetUtcNow());

        Assert.Equal(ErrorKind.InvalidRequest, admission.Answer!.Error);
    }

    [Fact]
    public void A_repeated_cacheable_call_is_answered_from_the_cache()
    {
        var admission = Admission();
        var first = Arrived(Call("first") with { CacheControl = CacheControl.Default });
        admission.Admit(first, _clock.GetUtcNow());
        first.AttemptStarted(_clock.GetUtcNow());
        first.Complete(200, "answer", _clock.GetUtcNow());
        admission.Remember(first, _clock.GetUtcNow());

        var second = admission.Admit(Arrived(Call("second") with { CacheControl = CacheControl.Default }), _clock.GetUtcNow());

        Assert.Equal(AdmissionKind.Answer, second.Kind);
        Assert.Equal(("second", true, "answer", 0), (second.Answer!.CallId, second.Answer.FromCache, second.Answer.Body, second.Answer.Attempts));
    }

    [Fact]
    public void A_call_without_cache_control_is_never_answered_from_the_cache()
    {
        var admission = Admission();
        var first = Arrived(Call("first") with { CacheControl = CacheControl.Default });
        first.Complete(200, "answer", _clock.GetUtcNow());
        admission.Remember(first, _clock.GetUtcNow());

        var second = admission.Admit(Arrived(Call("second")), _clock.GetUtcNow());

        Assert.Equal(AdmissionKind.Accept, second.Kind);
    }

    [Fact]
    public void An_unknown_endpoint_is_rejected_naming_it_and_the_configured_ones()
    {
        var result = CallAdmission.UnknownEndpoint(new APICalling("c", "nope", "{}"), ["b", "a"]);

        Assert.Equal("unknown endpoint 'nope' (configured: a, b)", result.ErrorMessage);
        Assert.Equal((CallStatus.Rejected, ErrorKind.InvalidRequest), (result.Status, result.Error));
    }
}
