using System.Net;
using System.Text;
using System.Text.Json;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.RateLimiting;
using Dispatch.FakeUpstream.Tests.Support;
using Dispatch.FakeUpstream.Tokens;

namespace Dispatch.FakeUpstream.Tests.Routes;

public sealed class ResponsesSpec
{
    [Fact]
    public async Task Response_answers_in_OpenAI_shape_with_usage_from_the_input_length()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Responses(Requests.ResponsesBody(inputChars: 40, maxOutputTokens: 100)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.StartsWith("resp_", json.GetProperty("id").GetString());
        Assert.Equal("response", json.GetProperty("object").GetString());
        Assert.True(json.GetProperty("created_at").GetInt64() > 0);
        Assert.Equal("completed", json.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("incomplete_details").ValueKind);
        Assert.Equal("gpt-test", json.GetProperty("model").GetString());
        var message = Assert.Single(json.GetProperty("output").EnumerateArray());
        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.StartsWith("msg_", message.GetProperty("id").GetString());
        Assert.Equal("completed", message.GetProperty("status").GetString());
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        var text = Assert.Single(message.GetProperty("content").EnumerateArray());
        Assert.Equal("output_text", text.GetProperty("type").GetString());
        Assert.Equal(40, text.GetProperty("text").GetString()!.Length);
        Assert.Empty(text.GetProperty("annotations").EnumerateArray());
        var usage = json.GetProperty("usage");
        Assert.Equal(10, usage.GetProperty("input_tokens").GetInt64());
        Assert.Equal(10, usage.GetProperty("output_tokens").GetInt64());
        Assert.Equal(20, usage.GetProperty("total_tokens").GetInt64());
        Assert.Equal(0, usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt64());
        Assert.Equal(0, usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt64());
        Assert.Equal(20, up.Counters.TokensCharged);
    }

    [Fact]
    public async Task Response_cut_at_max_output_tokens_is_incomplete_for_that_reason()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Responses(Requests.ResponsesBody(inputChars: 400, maxOutputTokens: 5)));

        var json = await response.JsonAsync();
        Assert.Equal("incomplete", json.GetProperty("status").GetString());
        Assert.Equal("max_output_tokens", json.GetProperty("incomplete_details").GetProperty("reason").GetString());
        Assert.Equal("incomplete", json.GetProperty("output")[0].GetProperty("status").GetString());
        Assert.Equal(5, json.GetProperty("usage").GetProperty("output_tokens").GetInt64());
        Assert.Equal(105, json.GetProperty("usage").GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public async Task Response_counts_the_instructions_and_the_text_of_every_input_item()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        // 8 + 4 + 5 + 3 = 20 characters (the image part counts nothing): 5 input tokens.
        const string body = """
            {"model":"m","instructions":"be brief","max_output_tokens":50,"input":[
              {"role":"user","content":"abcd"},
              {"role":"user","content":[{"type":"input_text","text":"hello"},{"type":"input_image","image_url":"x"},{"type":"input_text","text":"abc"}]}]}
            """;

        using var response = await http.SendAsync(Requests.Responses(body));

        var usage = (await response.JsonAsync()).GetProperty("usage");
        Assert.Equal(5, usage.GetProperty("input_tokens").GetInt64());
        Assert.Equal(5, usage.GetProperty("output_tokens").GetInt64());
        Assert.Equal(10, up.Counters.TokensCharged);
    }

    [Fact]
    public async Task Response_without_max_output_tokens_may_answer_up_to_the_default_as_chat_does()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Responses(Requests.ResponsesBody(inputChars: 4 * 300, maxOutputTokens: null)));

        var json = await response.JsonAsync();
        Assert.Equal(TokenEstimator.DefaultMaxTokens, json.GetProperty("usage").GetProperty("output_tokens").GetInt64());
        Assert.Equal("incomplete", json.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1]", "must be a JSON object")]
    [InlineData("{\"model\":\"m\"}", "'input' is required")]
    [InlineData("{\"input\":42}", "'input' must be a string or an array of items")]
    [InlineData("{\"input\":[\"hi\"]}", "'input[0]' must be an object")]
    [InlineData("{\"input\":[{\"role\":\"user\",\"content\":7}]}", "'input[0].content' must be a string, an array of parts or null")]
    [InlineData("{\"input\":\"hi\",\"instructions\":[]}", "'instructions' must be a string")]
    [InlineData("{\"input\":\"hi\",\"max_output_tokens\":0}", "'max_output_tokens' must be an integer")]
    [InlineData("{\"input\":\"hi\",\"model\":1}", "'model' must be a string")]
    [InlineData("{\"input\":\"hi\",\"stream\":\"yes\"}", "'stream' must be a boolean")]
    public async Task Response_with_an_invalid_body_is_answered_400_naming_the_field_and_charges_nothing(string body, string reason)
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Responses(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.JsonAsync()).GetProperty("error");
        Assert.Contains(reason, error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(0, up.Counters.TokensCharged);
    }

    [Fact]
    public async Task Response_over_the_token_limit_is_answered_429_with_the_limit_headers_and_charged_nothing()
    {
        var limits = new RateLimitOptions { TokensPerWindow = 30, Window = TimeSpan.FromMinutes(10) };
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Limits = limits });
        using var http = up.CreateClient();

        // 20 tokens each (10 in, 10 out): the first fits the 30, the second does not.
        using var first = await http.SendAsync(Requests.Responses(Requests.ResponsesBody(inputChars: 40)));
        using var second = await http.SendAsync(Requests.Responses(Requests.ResponsesBody(inputChars: 40)));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("10", first.Header(FakeUpstreamHeaders.RemainingTokens));
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.NotNull(second.Header("Retry-After"));
        Assert.Equal("rate_limit_exceeded", (await second.JsonAsync()).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(1, up.Counters.Throttled);
        Assert.Equal(20, up.Counters.TokensCharged);
    }

    [Fact]
    public async Task Faults_apply_to_the_responses_route_before_its_tokens_are_charged()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        up.Faults.Enqueue(FaultKind.ServiceUnavailable);

        using var queued = await http.SendAsync(Requests.Responses());
        using var scripted = await http.SendAsync(Requests.Responses(callId: "call-1", faultScript: "429:2"));
        using var answered = await http.SendAsync(Requests.Responses());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, queued.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, scripted.StatusCode);
        Assert.Equal("2", scripted.Header("Retry-After"));
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(1, up.Counters.FaultsOf(FaultKind.ServiceUnavailable));
        Assert.Equal(1, up.Counters.FaultsOf(FaultKind.TooManyRequests));
        Assert.Equal(3, up.Counters.RequestsReceived);
        Assert.Equal(20, up.Counters.TokensCharged);
    }

    [Fact]
    public void Responses_request_is_read_as_the_server_charges_it()
    {
        var read = TokenEstimator.TryReadResponses(Encoding.UTF8.GetBytes("""{"instructions":"\u00e9t\u00e9","input":"abcde","max_output_tokens":2,"stream":true}"""), out var summary, out var error);

        Assert.True(read, error);
        Assert.Equal(8, summary.InputChars);
        Assert.Equal(2, summary.InputTokens);
        Assert.Equal(2, summary.OutputTokens);
        Assert.True(summary.Stream);
        Assert.False(summary.Incomplete);
    }
}
