namespace Dispatch.FakeUpstream.Tokens;

/// <summary>What the server reads from a chat completion request, and the usage it will report and charge.</summary>
/// <param name="Model">The request's <c>model</c>, or <c>null</c> when absent.</param>
/// <param name="PromptChars">Characters (UTF-16 code units) of all message contents, text parts included.</param>
/// <param name="MaxTokens">
/// <c>max_completion_tokens</c>, else <c>max_tokens</c>, else <see cref="TokenEstimator.DefaultMaxTokens"/>.
/// </param>
/// <param name="Choices">The request's <c>n</c> (default 1).</param>
public readonly record struct ChatRequestSummary(string? Model, long PromptChars, int MaxTokens, int Choices)
{
    /// <summary>Whether the request asks for a streamed answer (<c>"stream": true</c>).</summary>
    public bool Stream { get; init; }

    /// <summary>Whether a streamed answer ends with a usage chunk (<c>stream_options.include_usage</c>).</summary>
    public bool IncludeUsage { get; init; }

    /// <summary><c>usage.prompt_tokens</c>: <see cref="PromptChars"/> / 4, rounded up.</summary>
    public long PromptTokens => TokenEstimator.TokensForChars(PromptChars);

    /// <summary>
    /// Tokens of each choice's answer: as many as the prompt has (at least 1), capped by
    /// <see cref="MaxTokens"/> — deterministic, and below the reservation whenever the prompt is short.
    /// </summary>
    public long CompletionTokensPerChoice => Math.Min(MaxTokens, Math.Max(1, PromptTokens));

    /// <summary><c>usage.completion_tokens</c>: <see cref="CompletionTokensPerChoice"/> × <see cref="Choices"/>.</summary>
    public long CompletionTokens => CompletionTokensPerChoice * Choices;

    /// <summary><c>usage.total_tokens</c>, which is exactly what the rate limiter charges.</summary>
    public long TotalTokens => PromptTokens + CompletionTokens;

    /// <summary>What a client should reserve before sending: prompt tokens + <see cref="MaxTokens"/> × <see cref="Choices"/>; never below <see cref="TotalTokens"/>.</summary>
    public long ReservedTokens => PromptTokens + (long)MaxTokens * Choices;

    /// <summary><c>length</c> when the answer was cut at <see cref="MaxTokens"/>, otherwise <c>stop</c>.</summary>
    public string FinishReason => Math.Max(1, PromptTokens) > MaxTokens ? "length" : "stop";
}
