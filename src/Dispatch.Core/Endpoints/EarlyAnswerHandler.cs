namespace Dispatch.Core.Endpoints;

/// <summary>
/// Lets a server's early answer win over a failed body write. A server may answer a request from its
/// headers alone (413 Content Too Large, 400, 401) and close the connection without reading the body;
/// a body still being written then fails with "connection reset", and SocketsHttpHandler drops the
/// answer it may already have received. Such a request is sent once more at once, with
/// <c>Expect: 100-continue</c>: the server then answers before any of the body is written, and that
/// answer is read. The server read no body the first time, so nothing is done twice.
/// </summary>
/// <remarks>
/// Bodies over <see cref="EndpointSession"/>'s threshold carry <c>Expect: 100-continue</c> from the start;
/// smaller ones go out without the extra round trip, and usually in full before any answer, so this is
/// the rare path. A write that failed for any other reason (the server is gone) fails the second time
/// too, and is classified as before.
/// </remarks>
internal sealed class EarlyAnswerHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException) when (request.Content is RequestBodyContent { WriteFailed: true }
            && request.Headers.ExpectContinue != true && !cancellationToken.IsCancellationRequested)
        {
            request.Headers.ExpectContinue = true;
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }
}
