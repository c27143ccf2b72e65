using System.Text.Json;
using Dispatch.Core.Errors;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Tokens;

/// <summary>
/// Estimates tokens from the payload: prompt text at <c>chars-per-token</c> characters a token,
/// plus the completion the call may produce, <c>max_tokens</c> (or <c>max_completion_tokens</c>,
/// or the Responses API's <c>max_output_tokens</c>) × <c>n</c>.
/// </summary>
/// <remarks>
/// <para>
/// Prompt text is every string in <c>messages[].content</c> (a string, or an array of content
/// parts whose <c>text</c> is counted), else <c>prompt</c>, else <c>input</c> (a string, an
/// array of strings, or arrays of token ids, which count one token each). A Responses API request
/// counts its <c>instructions</c> and its <c>input</c>: a string, or items whose <c>content</c>
/// (a string or parts with <c>text</c>) and tool <c>output</c> or <c>arguments</c> are counted.
/// Characters are UTF-16 code units, rounded up to whole tokens. Other payload shapes count as zero
/// prompt tokens: the estimate is a reservation, reconciled against the real usage afterwards.
/// </para>
/// <para>
/// When no completion size is given, chat, completion and Responses payloads reserve
/// <c>default-max-tokens</c>; other <c>input</c>-only payloads (embeddings) produce no completion and
/// reserve none. A payload is a Responses API request when the endpoint's or the call's path ends in
/// <c>/responses</c>, or when it has <c>instructions</c>, <c>max_output_tokens</c>,
/// <c>previous_response_id</c> or input items that are objects.
/// </para>
/// </remarks>
public sealed class DefaultTokenEstimator : ITokenEstimator
{
    private static readonly string[] CompletionSizes = ["max_completion_tokens", "max_tokens", "max_output_tokens"];

    private readonly TokenEstimationOptions _options;
    private readonly bool _responsesEndpoint;

    /// <summary>Creates an estimator.</summary>
    /// <param name="options">Characters per token and the default completion size; validated here.</param>
    /// <param name="path">
    /// The endpoint's request path, when known: an <c>input</c>-only payload sent to the Responses API (a path ending in
    /// <c>/responses</c>) reserves a completion, where one sent elsewhere (embeddings) reserves none.
    /// </param>
    public DefaultTokenEstimator(TokenEstimationOptions options, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _responsesEndpoint = IsResponsesPath(path);
    }

    /// <inheritdoc />
    public TokenEstimate Estimate(APICalling call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (call.RequiredTokens is { } required)
            return required >= 0 ? TokenEstimate.Of(required) : TokenEstimate.Invalid($"RequiredTokens must be >= 0 (was {required})");
        return Estimate(call.Payload, call.Path is { } path ? IsResponsesPath(path) : _responsesEndpoint);
    }

    /// <summary>Estimates the tokens of a JSON payload sent to the endpoint's path.</summary>
    /// <param name="payload">The request body.</param>
    public TokenEstimate Estimate(string? payload) => Estimate(payload, _responsesEndpoint);

    private static bool IsResponsesPath(string? path)
    {
        if (path is null) return false;
        var end = path.IndexOfAny(['?', '#']);
        return (end < 0 ? path : path[..end]).TrimEnd('/').EndsWith("/responses", StringComparison.Ordinal);
    }

    private TokenEstimate Estimate(string? payload, bool responsesPath)
    {
        if (string.IsNullOrWhiteSpace(payload)) return TokenEstimate.Invalid("the payload is empty; it must be a JSON object");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload);
        }
        catch (JsonException e)
        {
            return TokenEstimate.Invalid("the payload is not valid JSON at " + JsonErrors.Describe(e, payload));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return TokenEstimate.Invalid($"the payload must be a JSON object (was {root.ValueKind})");

            long promptChars = 0, promptTokens = 0;
            var expectsCompletion = false;
            if (root.TryGetProperty("messages", out var messages))
            {
                if (messages.ValueKind != JsonValueKind.Array) return TokenEstimate.Invalid("'messages' must be an array");
                expectsCompletion = true;
                var index = 0;
                foreach (var message in messages.EnumerateArray())
                {
                    if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var content))
                    {
                        var error = CountContent(content, $"messages[{index}].content", ref promptChars);
                        if (error is not null) return TokenEstimate.Invalid(error);
                    }

                    index++;
                }
            }
            else if (responsesPath || IsResponsesRequest(root))
            {
                expectsCompletion = true;
                if (root.TryGetProperty("instructions", out var instructions) && instructions.ValueKind == JsonValueKind.String)
                    promptChars += instructions.GetString()!.Length;
                if (root.TryGetProperty("input", out var items)) CountItems(items, ref promptChars, ref promptTokens);
            }
            else if (root.TryGetProperty("prompt", out var prompt))
            {
                expectsCompletion = true;
                CountInput(prompt, ref promptChars, ref promptTokens);
            }
            else if (root.TryGetProperty("input", out var input))
            {
                CountInput(input, ref promptChars, ref promptTokens);
            }

            if (!TryReadCompletion(root, expectsCompletion, out var completion, out var completionError))
                return TokenEstimate.Invalid(completionError);

            var fromText = (long)Math.Ceiling(promptChars / _options.CharsPerToken);
            return TokenEstimate.Of(fromText + promptTokens + completion);
        }
    }

    private static string? CountContent(JsonElement content, string where, ref long chars)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                chars += content.GetString()!.Length;
                return null;
            case JsonValueKind.Array:
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                        chars += text.GetString()!.Length;
                }

                return null;
            case JsonValueKind.Null:
                return null;
            default:
                return $"'{where}' must be a string or an array of content parts (was {content.ValueKind})";
        }
    }

    private static bool IsResponsesRequest(JsonElement root)
    {
        if (root.TryGetProperty("instructions", out _) || root.TryGetProperty("max_output_tokens", out _) || root.TryGetProperty("previous_response_id", out _))
            return true;
        if (!root.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Array) return false;
        foreach (var item in input.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object) return true;
        }

        return false;
    }

    // A Responses API input: a string, or items (messages with content, tool calls with arguments, tool outputs).
    private static void CountItems(JsonElement input, ref long chars, ref long tokens)
    {
        if (input.ValueKind != JsonValueKind.Array)
        {
            CountInput(input, ref chars, ref tokens);
            return;
        }

        foreach (var item in input.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                CountInput(item, ref chars, ref tokens);
                continue;
            }

            foreach (var name in (ReadOnlySpan<string>)["content", "output", "arguments"])
            {
                if (item.TryGetProperty(name, out var text)) _ = CountContent(text, name, ref chars);
            }
        }
    }

    private static void CountInput(JsonElement input, ref long chars, ref long tokens)
    {
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                chars += input.GetString()!.Length;
                break;
            case JsonValueKind.Number:
                tokens++;
                break;
            case JsonValueKind.Array:
                foreach (var item in input.EnumerateArray()) CountInput(item, ref chars, ref tokens);
                break;
        }
    }

    private bool TryReadCompletion(JsonElement root, bool expectsCompletion, out long completion, out string error)
    {
        completion = 0;
        error = "";
        long? maxTokens = null;
        foreach (var name in CompletionSizes)
        {
            if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) continue;
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var parsed) || parsed < 0)
            {
                error = $"'{name}' must be a whole number >= 0";
                return false;
            }

            maxTokens = parsed;
            break;
        }

        long n = 1;
        if (root.TryGetProperty("n", out var choices) && choices.ValueKind != JsonValueKind.Null)
        {
            if (choices.ValueKind != JsonValueKind.Number || !choices.TryGetInt64(out n) || n < 1)
            {
                error = "'n' must be a whole number >= 1";
                return false;
            }
        }

        var perChoice = maxTokens ?? (expectsCompletion ? _options.DefaultMaxTokens : 0);
        if (perChoice > 0 && n > int.MaxValue / perChoice)
        {
            error = $"'max_tokens' × 'n' is too large ({perChoice} × {n})";
            return false;
        }

        completion = perChoice * n;
        return true;
    }
}
