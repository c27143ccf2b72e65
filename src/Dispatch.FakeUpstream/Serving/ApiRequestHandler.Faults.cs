using System.Text;
using Dispatch.FakeUpstream.Faults;
using Microsoft.AspNetCore.Http;

namespace Dispatch.FakeUpstream.Serving;

/// <summary>How each injected fault looks to the client.</summary>
internal sealed partial class ApiRequestHandler
{
    /// <summary>A chat completion cut off mid-string: what a proxy that drops a connection mid-body delivers.</summary>
    private static readonly byte[] MalformedBody = Encoding.UTF8.GetBytes(
        "{\"id\":\"chatcmpl-malformed\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"tok tok");

    private static readonly byte[] OversizedPrefix = Encoding.UTF8.GetBytes("{\"object\":\"chat.completion\",\"padding\":\"");
    private static readonly byte[] OversizedSuffix = Encoding.UTF8.GetBytes("\"}");

    /// <summary>Answers with <paramref name="fault"/>; true when the request ends without a response.</summary>
    private async Task<bool> WriteFaultAsync(HttpContext context, Fault fault)
    {
        switch (fault.Kind)
        {
            case FaultKind.ConnectionReset:
                context.Abort();
                return true;
            case FaultKind.Timeout:
                await NeverAnswerAsync(context);
                return true;
            case FaultKind.MalformedJson:
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = MalformedBody.Length;
                await context.Response.BodyWriter.WriteAsync(MalformedBody, context.RequestAborted);
                return false;
            case FaultKind.OversizedBody:
                await WriteOversizedAsync(context, state.Faults.Options.OversizedBodyBytes);
                return false;
            default:
                if (fault.RetryAfter is { } retryAfter) RateLimitHeaders.ApplyRetryAfter(context.Response.Headers, retryAfter);
                await WriteErrorAsync(context, fault.StatusCode, "fake_upstream_fault", fault.Kind.ToString(), $"Injected fault: {fault.StatusCode} {fault.Kind}.");
                return false;
        }
    }

    /// <summary>Waits until the client gives up or the server stops, then drops the connection: no response, no leak.</summary>
    private async Task NeverAnswerAsync(HttpContext context)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, state.Stopping);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, either.Token);
        }
        catch (OperationCanceledException)
        {
            // Expected: this is how the wait ends.
        }

        context.Abort();
    }

    /// <summary>Valid JSON of exactly <paramref name="length"/> bytes, streamed so the server never holds it whole.</summary>
    private static async Task WriteOversizedAsync(HttpContext context, long length)
    {
        var response = context.Response;
        response.ContentType = "application/json";
        response.ContentLength = length;
        var writer = response.BodyWriter;
        var cancel = context.RequestAborted;
        await writer.WriteAsync(OversizedPrefix, cancel);
        var left = length - OversizedPrefix.Length - OversizedSuffix.Length;
        while (left > 0)
        {
            var chunk = (int)Math.Min(left, CompletionText.Length);
            await writer.WriteAsync(CompletionText.AsMemory(0, chunk), cancel);
            left -= chunk;
        }

        await writer.WriteAsync(OversizedSuffix, cancel);
    }
}
