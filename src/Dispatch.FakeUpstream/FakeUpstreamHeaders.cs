namespace Dispatch.FakeUpstream;

/// <summary>The request and response headers the fake upstream reads or writes beyond plain HTTP.</summary>
public static class FakeUpstreamHeaders
{
    /// <summary>Request: the call id whose arrivals are counted and scripted. <see cref="IdempotencyKey"/> is read when absent.</summary>
    public const string CallId = "x-call-id";

    /// <summary>Response header naming each answer (<c>req_1</c>, <c>req_2</c>, …), as OpenAI's <c>x-request-id</c> does.</summary>
    public const string RequestId = "x-request-id";

    /// <summary>Request: the alternative call id header.</summary>
    public const string IdempotencyKey = "Idempotency-Key";

    /// <summary>Request: the API key when there is no <c>Authorization: Bearer</c> header.</summary>
    public const string ApiKey = "x-api-key";

    /// <summary>
    /// Request: a fault script for this call (see <see cref="Faults.FaultScript"/>), e.g. <c>503,ok</c>:
    /// step N applies to the Nth arrival of the request's call id (the first step without a call id).
    /// </summary>
    public const string Fault = "x-fake-fault";

    /// <summary>Request: the tokens an echo request is charged, overriding the body-length estimate.</summary>
    public const string Tokens = "x-fake-tokens";

    /// <summary>Response: the request limit per window.</summary>
    public const string LimitRequests = "x-ratelimit-limit-requests";

    /// <summary>Response: the token limit per window.</summary>
    public const string LimitTokens = "x-ratelimit-limit-tokens";

    /// <summary>Response: requests left in the key's window.</summary>
    public const string RemainingRequests = "x-ratelimit-remaining-requests";

    /// <summary>Response: tokens left in the key's window.</summary>
    public const string RemainingTokens = "x-ratelimit-remaining-tokens";

    /// <summary>Response: time until the window's full request budget is back, in seconds with a unit, e.g. <c>1.5s</c>.</summary>
    public const string ResetRequests = "x-ratelimit-reset-requests";

    /// <summary>Response: time until the window's full token budget is back, e.g. <c>0.25s</c>.</summary>
    public const string ResetTokens = "x-ratelimit-reset-tokens";

    /// <summary>Response: the exact Retry-After in milliseconds (rounded up) next to the whole-second <c>Retry-After</c>.</summary>
    public const string RetryAfterMs = "retry-after-ms";

    /// <summary>Response (Anthropic style): the request limit per window.</summary>
    public const string AnthropicLimitRequests = "anthropic-ratelimit-requests-limit";

    /// <summary>Response (Anthropic style): requests left in the key's window.</summary>
    public const string AnthropicRemainingRequests = "anthropic-ratelimit-requests-remaining";

    /// <summary>Response (Anthropic style): when the full request budget is back, an RFC 3339 instant.</summary>
    public const string AnthropicResetRequests = "anthropic-ratelimit-requests-reset";

    /// <summary>Response (Anthropic style): the token limit per window.</summary>
    public const string AnthropicLimitTokens = "anthropic-ratelimit-tokens-limit";

    /// <summary>Response (Anthropic style): tokens left in the key's window.</summary>
    public const string AnthropicRemainingTokens = "anthropic-ratelimit-tokens-remaining";

    /// <summary>Response (Anthropic style): when the full token budget is back, an RFC 3339 instant.</summary>
    public const string AnthropicResetTokens = "anthropic-ratelimit-tokens-reset";
}
