namespace Dispatch.FakeUpstream.Serving;

/// <summary>The API routes that count, limit and fault like a provider's.</summary>
internal enum ApiRoute
{
    /// <summary><c>POST /v1/chat/completions</c>.</summary>
    ChatCompletions,

    /// <summary><c>POST /v1/echo</c>.</summary>
    Echo,

    /// <summary><c>POST /v1/embeddings</c>.</summary>
    Embeddings,

    /// <summary><c>POST /v1/responses</c> (OpenAI's Responses API).</summary>
    Responses,
}
