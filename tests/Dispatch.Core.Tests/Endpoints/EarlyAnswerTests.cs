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
    /// A small body goes out without <c>Expect: 100-continue</c>; here its write is made to fail as a server's
    /// early close makes it fail, and the session sends the request again with it and reads the server's answer.
    /// </summary>
    [Fact]
    public async Task A_body_whose_write_failed_is_sent_again_with_expect_continue_and_gets_the_answer()
    {
        await using var server = new EarlyAnswerServer();
        var handler = new FirstWriteFails(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) });
        using var session = new EndpointSession(new EndpointOptions("chat", server.BaseUrl) { Path = "/v1/chat/completions" }, new FakeTimeProvider(), null, handler);

        var result = await session.SendAsync(new APICalling("c1", "chat", """{"text":"small"}"""), CancellationToken.None);

        Assert.Equal((413, ErrorKind.InvalidRequest), (result.HttpStatus, result.Outcome.Kind));
        Assert.Equal(1, handler.FailedWrites);
        Assert.Equal(2, server.Requests.Count);
        Assert.DoesNotContain("Expect: 100-continue", server.Requests[0], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Expect: 100-continue", server.Requests[1], StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Sends the first request for real (the server answers from its headers and closes), then reports its body's
    /// write as failed, as a connection the server reset mid-write does; passes later requests on.
    /// </summary>
    private sealed class FirstWriteFails(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public int FailedWrites { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (FailedWrites > 0) return await base.SendAsync(request, cancellationToken);
            FailedWrites++;
            using (await base.SendAsync(request, cancellationToken))
            {
            }

            try
            {
                await request.Content!.CopyToAsync(new ResetStream(), cancellationToken);
            }
            catch (IOException e)
            {
                throw new HttpRequestException("Error while copying content to a stream.", e);
            }

            throw new InvalidOperationException("the write was expected to fail");
        }
    }

    private sealed class ResetStream : MemoryStream
    {
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromException(new IOException("Connection reset by peer"));

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException(new IOException("Connection reset by peer"));

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("Connection reset by peer");
    }
}
