using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Dispatch.Core.Endpoints;

/// <summary>
/// A call's JSON body as UTF-8, which remembers whether writing it to the connection failed:
/// the <see cref="EndpointSession"/> then knows the server may have answered before reading it.
/// </summary>
internal sealed class RequestBodyContent : StringContent
{
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json") { CharSet = "utf-8" };

    public RequestBodyContent(string payload)
        : base(payload, Encoding.UTF8) => Headers.ContentType = JsonMediaType;

    /// <summary>Whether the last attempt to write the body failed.</summary>
    public bool WriteFailed { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        Tracked(base.SerializeToStreamAsync(stream, context));

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        Tracked(base.SerializeToStreamAsync(stream, context, cancellationToken));

    /// <summary>The write itself when it is already done (no allocation); otherwise awaited, to note a failure.</summary>
    private Task Tracked(Task write) => write.IsCompletedSuccessfully ? write : TrackAsync(write);

    private async Task TrackAsync(Task write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch
        {
            WriteFailed = true;
            throw;
        }
    }
}
