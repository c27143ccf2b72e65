using System.Text;
using Dispatch.FakeUpstream.Counting;
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

    /// <summary>Answers with <paramref name="fault"/>.</summary>
    private async Task<RequestOutcome> WriteFaultAsync(HttpContext context, Fault fault)
    {
        switch (fault.Kind)
        {
            case FaultKind.ConnectionReset:
                context.Abort();
                return RequestOutcome.Aborted;
            case FaultKind.Timeout:
                await NeverAnswerAsync(context);
                return RequestOutcome.Aborted;
            case FaultKind.MalformedJson:
                context.Response.ContentType = "application/json";
                await context.Response.BodyWriter.WriteAsync(MalformedBody, context.RequestAborted);
                return RequestOutcome.Answered;
            case FaultKind.OversizedBody:
                await WriteOversizedAsync(context, state.Faults.Options.OversizedBodyBytes);
                return RequestOutcome.Answered;
            default:
                if (fault.RetryAfter is { } retryAfter) RateLimitHeaders.ApplyRetryAfter(context.Response.Headers, retryAfter);
                await WriteErrorAsync(context, fault.StatusCode, "fake_upstream_fault", fault.Kind.ToString(), $"Injected fault: {fault.StatusCode} {fault.Kind}.");
                return RequestOutcome.Answered;
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

    /// <summary>
    /// Valid JSON of exactly <paramref name="length"/> bytes, streamed so the server never holds it whole.
    /// Body faults are chunked like every other answer, so their response ends only after the counters are updated.
    /// </summary>
    private static async Task WriteOversizedAsync(HttpContext context, long length)
    {
        var response = context.Response;
        response.ContentType = "application/json";
        var writer = response.BodyWriter;
        var cancel = context.RequestAborted;
        await writer.WriteAsync(OversizedPrefix, cancel);
        var left = length - OversizedPrefix.Length - OversizedSuffix.Length;
        while (left > 0)
        {
            var chunk = (int)Math.Min(left, CompletionText.Length);
            // A client that stops reading at its size limit completes the pipe: stop writing then.
            if ((await writer.WriteAsync(CompletionText.AsMemory(0, chunk), cancel)).IsCompleted) return;
            left -= chunk;
        }

        await writer.WriteAsync(OversizedSuffix, cancel);
    }
}
