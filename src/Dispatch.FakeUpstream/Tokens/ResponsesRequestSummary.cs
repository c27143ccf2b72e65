namespace Dispatch.FakeUpstream.Tokens;

/// <summary>What the server reads from a Responses API request (<c>POST /v1/responses</c>), and the usage it will report and charge.</summary>
/// <param name="Model">The request's <c>model</c>, or <c>null</c> when absent.</param>
/// <param name="InputChars">Characters (UTF-16 code units) of <c>instructions</c> and of the <c>input</c> text (a string, or its items' contents).</param>
/// <param name="MaxOutputTokens"><c>max_output_tokens</c>, else <see cref="TokenEstimator.DefaultMaxTokens"/>.</param>
/// <param name="Stream">Whether the request asks for a streamed answer (<c>"stream": true</c>).</param>
internal readonly record struct ResponsesRequestSummary(string? Model, long InputChars, int MaxOutputTokens, bool Stream)
{
    /// <summary>The one-choice chat answer of the same prompt and budget: the fake counts and cuts both APIs' answers alike.</summary>
    private ChatRequestSummary Chat => new(Model, InputChars, MaxOutputTokens, Choices: 1);

    /// <summary><c>usage.input_tokens</c>: <see cref="InputChars"/> / 4, rounded up.</summary>
    public long InputTokens => Chat.PromptTokens;

    /// <summary><c>usage.output_tokens</c>: as many as the input has (at least 1), capped by <see cref="MaxOutputTokens"/>.</summary>
    public long OutputTokens => Chat.CompletionTokens;

    /// <summary>Whether the answer was cut at <see cref="MaxOutputTokens"/> (the response is <c>incomplete</c>).</summary>
    public bool Incomplete => Chat.FinishReason == "length";
}
