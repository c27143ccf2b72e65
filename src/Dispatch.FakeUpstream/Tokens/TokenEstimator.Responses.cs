using System.Text.Json;

namespace Dispatch.FakeUpstream.Tokens;

/// <summary>The Responses API's request (<c>POST /v1/responses</c>), counted as chat is.</summary>
public static partial class TokenEstimator
{
    /// <summary>
    /// Reads <c>model</c>, <c>instructions</c>, <c>input</c> (a string, or an array of items whose <c>content</c> is a
    /// string or an array of parts with <c>text</c>), <c>max_output_tokens</c> and <c>stream</c> from a Responses API
    /// request body.
    /// </summary>
    /// <param name="utf8Json">The request body.</param>
    /// <param name="summary">What was read.</param>
    /// <param name="error">Why the body is not a valid request, naming the field.</param>
    internal static bool TryReadResponses(ReadOnlySpan<byte> utf8Json, out ResponsesRequestSummary summary, out string? error) =>
        TryRead(utf8Json, TryReadResponsesCore, out summary, out error);

    private static bool TryReadResponsesCore(ReadOnlySpan<byte> utf8Json, out ResponsesRequestSummary summary, out string? error)
    {
        summary = default;
        if (!TryOpenObject(utf8Json, out var reader, out error)) return false;

        string? model = null;
        long inputChars = 0, instructionChars = 0;
        int? maxOutputTokens = null;
        bool sawInput = false, stream = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                if (!TryReadModel(ref reader, out model, out error)) return false;
            }
            else if (reader.ValueTextEquals("input"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String) inputChars = CharCount(ref reader);
                else if (reader.TokenType != JsonTokenType.StartArray) return Fail("'input' must be a string or an array of items", out error);
                else if (!TryCountMessages(ref reader, "input", out inputChars, out error)) return false;
                sawInput = true;
            }
            else if (reader.ValueTextEquals("instructions"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String) instructionChars = CharCount(ref reader);
                else if (reader.TokenType != JsonTokenType.Null) return Fail("'instructions' must be a string", out error);
            }
            else if (reader.ValueTextEquals("max_output_tokens"u8))
            {
                if (!TryReadPositive(ref reader, "max_output_tokens", int.MaxValue, out maxOutputTokens, out error)) return false;
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                if (!TryReadStream(ref reader, out stream, out error)) return false;
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        if (!TryClose(ref reader, sawInput, "input", out error)) return false;

        summary = new ResponsesRequestSummary(model, inputChars + instructionChars, maxOutputTokens ?? DefaultMaxTokens, stream);
        return true;
    }
}
