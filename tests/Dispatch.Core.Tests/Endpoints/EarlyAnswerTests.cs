using System.Net;
using Dispatch.Core.Endpoints;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Dispatch.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Core.Tests.Endpoints;

/// <summary>
/// A server that answers from the headers (413) and closes without reading the body, over real sockets:
/// the answer wins over the failed write, whatever the body's size.
/// </summary>
public class EarlyAnswerTests
{
    [Fact]
    public async Task A_small_body_written_before_the_early_answer_gets_the_answer_as_invalid_request()
    {
        await using var server = new EarlyAnswerServer();
        using var session = new EndpointSession(new EndpointOptions("chat", server.BaseUrl) { Path = "/v1/chat/completions" }, new FakeTimeProvider());

        var result = await session.SendAsync(new APICalling("c1", "chat", """{"text":"small"}"""), CancellationToken.None);

        Assert.Equal((413, ErrorKind.InvalidRequest), (result.HttpStatus, result.Outcome.Kind));
        Assert.Single(server.Requests);
    }

    /// <summary>
    /// 20 MB without <c>Expect: 100-continue</c> cannot fit the sockets' buffers, so its write surely fails
    /// once the server closes; the request is sent again with it and the server's answer is read.
    /// </summary>
    [Fact]
    public async Task A_body_whose_write_failed_after_an_early_answer_is_sent_again_with_expect_continue_and_gets_the_answer()
    {
        await using var server = new EarlyAnswerServer();
        using var http = new HttpClient(new EarlyAnswerHandler(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }));
        using var request = new HttpRequestMessage(HttpMethod.Post, server.BaseUrl + "/v1/chat/completions")
        {
            Content = new RequestBodyContent("\"" + new string('x', 20 * 1024 * 1024) + "\""),
        };

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(2, server.Requests.Count);
        Assert.DoesNotContain("Expect: 100-continue", server.Requests[0], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Expect: 100-continue", server.Requests[1], StringComparison.OrdinalIgnoreCase);
    }
}
