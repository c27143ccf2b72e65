using System.Globalization;
using System.Text.Json;
using Dispatch.Core.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dispatch.Hosting.Gateway;

/// <summary>
/// A streamed gateway answer (<c>"stream": true</c>): the provider's status and client-facing headers, then each
/// server-sent event written and flushed to the client as it arrives. When the gateway asked for the usage chunk
/// itself (the client did not), that chunk is reconciled from but not shown to the client.
/// </summary>
internal sealed class GatewayStream(HttpContext http, bool dropUsageChunk) : IResponseStream
{
    private volatile bool _begun;
    private volatile bool _ended;

    /// <summary>Whether the answer has begun: its status and headers are the client's, so nothing else can be answered.</summary>
    public bool Begun => _begun;

    /// <summary>The call has its result: an attempt it gave up on writes nothing more.</summary>
    public void End() => _ended = true;

    public async ValueTask BeginAsync(ResponseStreamStart start, CancellationToken cancellationToken)
    {
        ThrowIfGone();
        var response = http.Response;
        response.StatusCode = start.HttpStatus;
        response.Headers[GatewayEndpoints.AttemptsHeader] = start.Attempt.ToString(CultureInfo.InvariantCulture);
        GatewayEndpoints.CopyProviderHeaders(response, start.Headers, "text/event-stream");
        response.Headers.CacheControl = "no-cache";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        _begun = true;
        await response.StartAsync(cancellationToken);
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        ThrowIfGone();
        if (dropUsageChunk && IsUsageChunk(chunk.Span)) return;
        // PipeWriter.WriteAsync flushes: each event reaches the client as it came.
        await http.Response.BodyWriter.WriteAsync(chunk, cancellationToken);
    }

    /// <summary>A client that went away (or a call already answered) ends the relay, which cancels the call.</summary>
    private void ThrowIfGone()
    {
        if (_ended || http.RequestAborted.IsCancellationRequested) throw new OperationCanceledException("the gateway's client went away");
    }

    /// <summary>OpenAI's usage chunk: <c>data: {..., "choices": [], "usage": {...}}</c>.</summary>
    private static bool IsUsageChunk(ReadOnlySpan<byte> sseEvent)
    {
        if (sseEvent.IndexOf("\"usage\""u8) < 0 || !sseEvent.StartsWith("data:"u8)) return false;
        var data = sseEvent[5..];
        var end = data.IndexOfAny((byte)'\n', (byte)'\r');
        if (end >= 0) data = data[..end];
        try
        {
            using var document = JsonDocument.Parse(data.ToArray());
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object &&
                   root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object &&
                   root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() == 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
