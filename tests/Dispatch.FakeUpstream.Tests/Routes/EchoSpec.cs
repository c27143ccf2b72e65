using System.Net;
using Dispatch.FakeUpstream.Tests.Support;

namespace Dispatch.FakeUpstream.Tests.Routes;

public sealed class EchoSpec
{
    [Fact]
    public async Task Echo_returns_the_body_and_charges_the_declared_tokens()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Echo(tokens: 42, body: "{\"a\":[1,2,{\"b\":null}]}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal("echo", json.GetProperty("object").GetString());
        Assert.Equal("{\"a\":[1,2,{\"b\":null}]}", json.GetProperty("echo").GetRawText());
        Assert.Equal(42, json.GetProperty("usage").GetProperty("total_tokens").GetInt64());
        Assert.Equal(42, up.Counters.TokensCharged);
    }

    [Fact]
    public async Task Echo_without_declared_tokens_charges_a_quarter_of_the_body_bytes_rounded_up()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Post("v1/echo", "\"abcdefghi\""));

        Assert.Equal(3, (await response.JsonAsync()).GetProperty("usage").GetProperty("prompt_tokens").GetInt64());
    }

    [Fact]
    public async Task Echo_of_an_empty_body_echoes_null()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.PostAsync("v1/echo", content: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await response.JsonAsync()).GetProperty("echo").ValueKind);
    }

    [Theory]
    [InlineData("{\"unterminated\":", null)]
    [InlineData("{}", "-3")]
    public async Task Echo_of_invalid_JSON_or_a_bad_token_header_is_answered_400(string body, string? tokens)
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();
        using var request = Requests.Post("v1/echo", body);
        if (tokens is not null) request.Headers.Add(FakeUpstreamHeaders.Tokens, tokens);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
