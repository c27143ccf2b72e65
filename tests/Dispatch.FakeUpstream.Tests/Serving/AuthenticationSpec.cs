using System.Net;
using Dispatch.FakeUpstream.Tests.Support;

namespace Dispatch.FakeUpstream.Tests.Serving;

public sealed class AuthenticationSpec
{
    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    public async Task Request_without_the_required_key_is_answered_401(string? key)
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { RequiredApiKey = "sk-right" });
        using var http = up.CreateClient(key);

        using var response = await http.SendAsync(Requests.Chat(callId: "c1"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, up.Counters.ArrivalsOf("c1"));
        Assert.Equal("invalid_api_key", (await response.JsonAsync()).GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain("wrong", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, up.Counters.ResponsesWithStatus(401));
    }

    [Fact]
    public async Task Required_key_is_accepted_as_a_bearer_token_or_an_x_api_key_header()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { RequiredApiKey = "sk-right" });
        using var http = up.CreateClient();
        using var byHeader = Requests.Chat();
        byHeader.Headers.Add(FakeUpstreamHeaders.ApiKey, "sk-right");

        using var bearer = await http.SendAsync(Requests.Chat(apiKey: "sk-right"));
        using var header = await http.SendAsync(byHeader);

        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, header.StatusCode);
    }
}
