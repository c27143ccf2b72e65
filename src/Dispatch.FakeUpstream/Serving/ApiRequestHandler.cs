using Dispatch.FakeUpstream.Counting;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.Latency;
using Dispatch.FakeUpstream.RateLimiting;
using Dispatch.FakeUpstream.Tokens;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Dispatch.FakeUpstream.Serving;

/// <summary>
/// The path of every API request: count it, check the key, pick a fault, read the payload,
/// charge the key's window, wait the latency, answer. Nothing here holds a lock across an await.
/// </summary>
internal sealed partial class ApiRequestHandler(UpstreamState state)
{
    public async Task HandleAsync(HttpContext context, ApiRoute route)
    {
        state.Counters.RequestStarted();
        context.Response.Headers[FakeUpstreamHeaders.RequestId] = "req_" + state.NextResponseId().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var outcome = RequestOutcome.Aborted;
        try
        {
            outcome = await HandleCoreAsync(context, route);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            // Kestrel refuses bodies over MaxRequestBodySize while we read them.
            await WriteErrorAsync(context, ex.StatusCode, "invalid_request_error", "request_too_large", ex.Message);
            outcome = RequestOutcome.Answered;
        }
        catch (Exception ex) when (IsClientGone(context, ex))
        {
            outcome = RequestOutcome.Aborted;
        }
        finally
        {
            if (context.RequestAborted.IsCancellationRequested) outcome = RequestOutcome.Aborted;
            state.Counters.RequestEnded(context.Response.StatusCode, outcome);
        }
    }

    private async Task<RequestOutcome> HandleCoreAsync(HttpContext context, ApiRoute route)
    {
        using var body = await RequestBody.ReadAsync(context.Request.BodyReader, context.RequestAborted);
        var plan = Plan(context, route, body.Memory);
        if (plan.Rejection is { } rejection)
        {
            await WriteErrorAsync(context, rejection.Status, rejection.Type, rejection.Code, rejection.Message);
            return RequestOutcome.Answered;
        }

        var latency = state.Latency;
        if (!latency.IsZero) await Pause.AtLeastAsync(latency.Sample(state.Random), context.RequestAborted);

        if (plan.Fault.IsFault) return await WriteFaultAsync(context, plan.Fault);
        await (route switch
        {
            ApiRoute.ChatCompletions when plan.Chat.Stream => WriteChatStreamAsync(context, plan.Chat),
            ApiRoute.ChatCompletions => WriteChatCompletionAsync(context, plan.Chat),
            ApiRoute.Embeddings => WriteEmbeddingsAsync(context, plan.Embeddings),
            ApiRoute.Responses when plan.Responses.Stream => WriteResponseStreamAsync(context, plan.Responses),
            ApiRoute.Responses => WriteResponseAsync(context, plan.Responses),
            _ => WriteEchoAsync(context, body.Memory, plan.EchoTokens),
        });
        return RequestOutcome.Completed;
    }

    /// <summary>Everything decided before the first await that may wait: synchronous, so it may use spans and short locks.</summary>
    private RequestPlan Plan(HttpContext context, ApiRoute route, ReadOnlyMemory<byte> body)
    {
        var headers = context.Request.Headers;
        string? callId = headers[FakeUpstreamHeaders.CallId];
        callId ??= headers[FakeUpstreamHeaders.IdempotencyKey];
        // Every arrival counts, even one refused for its key: the client did send it.
        var arrival = callId is null ? 1 : state.Counters.CallIdArrived(callId);

        var key = ApiKeys.Read(headers);
        if (state.Options.RequiredApiKey is { } required && !key.SequenceEqual(required))
        {
            var message = key.IsEmpty ? "No API key provided." : "Incorrect API key provided.";
            return RequestPlan.Reject(StatusCodes.Status401Unauthorized, "invalid_request_error", "invalid_api_key", message);
        }

        var limits = state.Limits;
        var options = limits.Options;
        var window = state.Windows.For(ApiKeys.WindowKey(key));
        var now = state.Time.GetUtcNow().UtcTicks;

        var fault = state.Faults.Decide(headers[FakeUpstreamHeaders.Fault], callId, arrival, out var invalidScript);
        if (invalidScript)
        {
            return Invalid(context, limits, window, now, "invalid_fault_script",
                $"Header '{FakeUpstreamHeaders.Fault}' is not a fault script (e.g. '503:2,500,ok' or 'reset*').");
        }

        if (fault.IsFault)
        {
            // Injected faults stand in front of the limiter, as an outage does: they charge no budget.
            state.Counters.FaultInjected(fault.Kind);
            RateLimitHeaders.Apply(context.Response.Headers, limits, window.Peek(now, options), now);
            return new RequestPlan { Fault = fault };
        }

        ChatRequestSummary chat = default;
        EmbeddingsRequestSummary embeddings = default;
        ResponsesRequestSummary responses = default;
        long prompt, completion;
        if (route == ApiRoute.ChatCompletions)
        {
            if (!TokenEstimator.TryReadChat(body.Span, out chat, out var error))
                return Invalid(context, limits, window, now, "invalid_request", error!);
            prompt = chat.PromptTokens;
            completion = chat.CompletionTokens;
        }
        else if (route == ApiRoute.Embeddings)
        {
            if (!EmbeddingsRequestSummary.TryRead(body.Span, out embeddings, out var error))
                return Invalid(context, limits, window, now, "invalid_request", error!);
            prompt = embeddings.PromptTokens;
            completion = 0;
        }
        else if (route == ApiRoute.Responses)
        {
            if (!TokenEstimator.TryReadResponses(body.Span, out responses, out var error))
                return Invalid(context, limits, window, now, "invalid_request", error!);
            prompt = responses.InputTokens;
            completion = responses.OutputTokens;
        }
        else
        {
            if (!TryReadEchoTokens(headers, body.Span, out prompt, out var error))
                return Invalid(context, limits, window, now, "invalid_request", error!);
            completion = 0;
        }

        var decision = window.TryAdmit(now, prompt + completion, options);
        RateLimitHeaders.Apply(context.Response.Headers, limits, decision, now);
        if (decision.NeverFits)
        {
            return RequestPlan.Reject(StatusCodes.Status400BadRequest, "invalid_request_error", "request_too_large",
                $"Request too large: it needs {prompt + completion} tokens, more than the {options.TokensPerWindow} tokens allowed per window.");
        }

        if (!decision.Admitted)
        {
            state.Counters.RequestThrottled();
            if (options.RetryAfter) RateLimitHeaders.ApplyRetryAfter(context.Response.Headers, decision.RetryAfter);
            var type = decision.RemainingRequests == 0 || decision.RemainingTokens is null ? "requests" : "tokens";
            return RequestPlan.Reject(StatusCodes.Status429TooManyRequests, type, "rate_limit_exceeded",
                $"Rate limit reached for {type}. Please try again in {RateLimitHeaders.Duration(decision.RetryAfter)}.");
        }

        state.Counters.TokensAdmitted(prompt, completion);
        return new RequestPlan { Chat = chat, Embeddings = embeddings, Responses = responses, EchoTokens = prompt };
    }

    /// <summary>A 400 that charges nothing but still reports the window, as every response past the key check does.</summary>
    private static RequestPlan Invalid(HttpContext context, LimitsInForce limits, SlidingWindow window, long now, string code, string error)
    {
        RateLimitHeaders.Apply(context.Response.Headers, limits, window.Peek(now, limits.Options), now);
        return RequestPlan.Reject(StatusCodes.Status400BadRequest, "invalid_request_error", code, error);
    }

    private static bool IsClientGone(HttpContext context, Exception ex) =>
        context.RequestAborted.IsCancellationRequested
        || ex is ConnectionResetException or IOException or OperationCanceledException;

    private readonly record struct Rejection(int Status, string Type, string Code, string Message);

    private readonly record struct RequestPlan
    {
        public Rejection? Rejection { get; init; }

        public Fault Fault { get; init; }

        public ChatRequestSummary Chat { get; init; }

        public EmbeddingsRequestSummary Embeddings { get; init; }

        public ResponsesRequestSummary Responses { get; init; }

        public long EchoTokens { get; init; }

        public static RequestPlan Reject(int status, string type, string code, string message) =>
            new() { Rejection = new Rejection(status, type, code, message) };
    }
}
