using System.Net;
using System.Text.Json;
using Dispatch.FakeUpstream.Tests.Support;
using Dispatch.FakeUpstream.Tokens;

namespace Dispatch.FakeUpstream.Tests.Routes;

public sealed class ChatCompletionsSpec
{
    [Fact]
    public async Task Chat_completion_answers_in_OpenAI_shape_with_usage_from_the_prompt_length()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Chat(Requests.ChatBody(contentChars: 40, maxTokens: 100)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.StartsWith("chatcmpl-", json.GetProperty("id").GetString());
        Assert.Equal("chat.completion", json.GetProperty("object").GetString());
        Assert.Equal("gpt-test", json.GetProperty("model").GetString());
        Assert.True(json.GetProperty("created").GetInt64() > 0);
        var choice = Assert.Single(json.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal(40, choice.GetProperty("message").GetProperty("content").GetString()!.Length);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var usage = json.GetProperty("usage");
        Assert.Equal(10, usage.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(10, usage.GetProperty("completion_tokens").GetInt64());
        Assert.Equal(20, usage.GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public async Task Chat_completion_is_cut_at_max_tokens_and_says_length()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Chat(Requests.ChatBody(contentChars: 400, maxTokens: 5)));

        var json = await response.JsonAsync();
        var choice = json.GetProperty("choices")[0];
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(5, json.GetProperty("usage").GetProperty("completion_tokens").GetInt64());
        Assert.Equal(105, json.GetProperty("usage").GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public async Task Chat_completion_answers_n_choices_and_counts_each()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Chat(Requests.ChatBody(contentChars: 8, maxTokens: 50, n: 3)));

        var json = await response.JsonAsync();
        Assert.Equal([0, 1, 2], json.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(2, json.GetProperty("usage").GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(6, json.GetProperty("usage").GetProperty("completion_tokens").GetInt64());
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"model\":\"m\"}", "'messages' is required")]
    [InlineData("{\"messages\":[],\"n\":0}", "'n'")]
    [InlineData("{\"messages\":[],\"max_tokens\":-1}", "'max_tokens'")]
    [InlineData("{\"messages\":{}}", "'messages' must be an array")]
    public async Task Chat_completion_with_an_invalid_body_is_answered_400_naming_the_problem(string body, string reason)
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Chat(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.JsonAsync()).GetProperty("error");
        Assert.Contains(reason, error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Chat_completion_reports_what_the_public_estimator_computes()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        const string body = "{\"messages\":[{\"role\":\"system\",\"content\":\"be brief \\u00e9\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hello there\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]}],\"max_completion_tokens\":3}";
        var expected = TokenEstimator.ReadChat(System.Text.Encoding.UTF8.GetBytes(body));

        using var response = await http.SendAsync(Requests.Chat(body));

        var usage = (await response.JsonAsync()).GetProperty("usage");
        Assert.Equal(expected.PromptTokens, usage.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(expected.CompletionTokens, usage.GetProperty("completion_tokens").GetInt64());
        Assert.Equal(expected.TotalTokens, usage.GetProperty("total_tokens").GetInt64());
        Assert.Equal("fake-model", (await response.JsonAsync()).GetProperty("model").GetString());
    }

    [Fact]
    public async Task Chat_completion_reads_a_body_spread_over_many_buffers()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Chat(Requests.ChatBody(contentChars: 200_000, maxTokens: 1)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(50_000, (await response.JsonAsync()).GetProperty("usage").GetProperty("prompt_tokens").GetInt64());
    }

    [Fact]
    public async Task Chat_completion_with_a_body_over_the_limit_is_answered_413()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { MaxRequestBodyBytes = 1000 });
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Chat(Requests.ChatBody(contentChars: 5000)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, up.Counters.TokensCharged);
    }

    [Fact]
    public async Task A_body_announced_over_the_limit_is_answered_413_before_it_is_sent_and_the_connection_is_closed()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { MaxRequestBodyBytes = 1000 });
        using var socket = new System.Net.Sockets.TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, up.Port);
        var stream = socket.GetStream();

        // Headers only: the 10 MB body is never written, as a client still writing it would not have got that far.
        await stream.WriteAsync("POST /v1/chat/completions HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 10485760\r\n\r\n"u8.ToArray());
        using var reader = new StreamReader(stream);
        var statusLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var rest = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("HTTP/1.1 413 Payload Too Large", statusLine);
        Assert.Contains("Connection: close", rest, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, up.Counters.TokensCharged);
    }

    [Fact]
    public async Task Other_methods_and_paths_are_not_api_requests()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var get = await http.GetAsync("v1/chat/completions");
        using var unknown = await http.PostAsync("v1/nothing", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(0, up.Counters.RequestsReceived);
    }
}
