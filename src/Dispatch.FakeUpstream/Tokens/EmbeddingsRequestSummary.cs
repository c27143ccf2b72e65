using System.Text.Json;

namespace Dispatch.FakeUpstream.Tokens;

/// <summary>What the server reads from an embeddings request, and the usage it will report and charge.</summary>
/// <param name="Model">The request's <c>model</c>, or <c>null</c> when absent.</param>
/// <param name="Inputs">How many embeddings to answer: one per string of <c>input</c> (1 for a single string).</param>
/// <param name="InputChars">Characters (UTF-16 code units) of every input string.</param>
/// <param name="Base64">Whether <c>encoding_format</c> is <c>base64</c> (as OpenAI's SDKs ask by default) rather than float arrays.</param>
internal readonly record struct EmbeddingsRequestSummary(string? Model, int Inputs, long InputChars, bool Base64)
{
    /// <summary>Floats in each embedding.</summary>
    public const int Dimensions = 8;

    /// <summary><c>usage.prompt_tokens</c> (and total): <see cref="InputChars"/> / 4, rounded up.</summary>
    public long PromptTokens => TokenEstimator.TokensForChars(InputChars);

    /// <summary>Reads <c>model</c>, <c>input</c> (a string or an array of strings) and <c>encoding_format</c>.</summary>
    /// <param name="utf8Json">The request body.</param>
    /// <param name="summary">What was read.</param>
    /// <param name="error">Why the body is not a valid request, naming the field.</param>
    public static bool TryRead(ReadOnlySpan<byte> utf8Json, out EmbeddingsRequestSummary summary, out string? error)
    {
        summary = default;
        error = null;
        try
        {
            using var document = JsonDocument.Parse(utf8Json.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("input", out var input))
            {
                error = "'input' is required: a string or an array of strings";
                return false;
            }

            var (inputs, chars) = (0, 0L);
            IEnumerable<JsonElement> items = input.ValueKind == JsonValueKind.Array ? input.EnumerateArray() : [input];
            foreach (var item in items)
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    error = "'input' must be a string or an array of strings";
                    return false;
                }

                inputs++;
                chars += item.GetString()!.Length;
            }

            var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            var base64 = root.TryGetProperty("encoding_format", out var f) && f.ValueKind == JsonValueKind.String && f.ValueEquals("base64"u8);
            summary = new EmbeddingsRequestSummary(model, inputs, chars, base64);
            return true;
        }
        catch (JsonException ex)
        {
            error = $"body is not valid JSON: {ex.Message}";
            return false;
        }
    }
}
