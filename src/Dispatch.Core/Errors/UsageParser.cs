using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Dispatch.Core.Errors;

/// <summary>
/// Reads the real token usage from a response body (<c>usage.total_tokens</c>, as OpenAI-style
/// APIs report it) so the rate limiter can reconcile it against the estimate.
/// </summary>
/// <remarks>
/// A forward-only <see cref="Utf8JsonReader"/> pass: no document is built, other properties
/// are skipped without being materialised, and the UTF-8 copy of a string body is rented.
/// When <c>total_tokens</c> is missing, <c>prompt_tokens + completion_tokens</c> is used. A body without a usage of its
/// own reads that of a nested <c>response</c> object (a Responses API stream event).
/// </remarks>
public static class UsageParser
{
    /// <summary>Reads the total tokens from a JSON response body.</summary>
    /// <param name="body">The response body.</param>
    /// <param name="totalTokens">The tokens used, when the body reports them.</param>
    public static bool TryReadTotalTokens(string? body, out long totalTokens)
    {
        totalTokens = 0;
        if (string.IsNullOrEmpty(body)) return false;

        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(body.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(body, buffer);
            return TryReadTotalTokens(buffer.AsSpan(0, length), out totalTokens);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the total tokens from a UTF-8 JSON response body.</summary>
    /// <param name="utf8Body">The response body.</param>
    /// <param name="totalTokens">The tokens used, when the body reports them.</param>
    public static bool TryReadTotalTokens(ReadOnlySpan<byte> utf8Body, out long totalTokens)
    {
        totalTokens = 0;
        try
        {
            var reader = new Utf8JsonReader(utf8Body);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && TryReadObject(ref reader, inResponse: true, out totalTokens);
        }
        catch (JsonException)
        {
            // A malformed body has no usage to read; the caller keeps the estimate.
        }

        return false;
    }

    // The usage of the object the reader is at; with inResponse, also that of a "response" object in it: the Responses
    // API's stream events carry the whole response, {"type": "response.completed", "response": {..., "usage": {...}}}.
    private static bool TryReadObject(ref Utf8JsonReader reader, bool inResponse, out long totalTokens)
    {
        totalTokens = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isUsage = reader.ValueTextEquals("usage"u8);
            var isResponse = inResponse && reader.ValueTextEquals("response"u8);
            reader.Read();
            if (isUsage && reader.TokenType == JsonTokenType.StartObject) return TryReadUsage(ref reader, out totalTokens);
            if (isResponse && reader.TokenType == JsonTokenType.StartObject && TryReadObject(ref reader, inResponse: false, out totalTokens)) return true;
            reader.Skip();
        }

        return false;
    }

    private static bool TryReadUsage(ref Utf8JsonReader reader, out long totalTokens)
    {
        long? total = null, prompt = null, completion = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.ValueTextEquals("total_tokens"u8) ? 0
                : reader.ValueTextEquals("prompt_tokens"u8) ? 1
                : reader.ValueTextEquals("completion_tokens"u8) ? 2
                : -1;
            reader.Read();
            if (property >= 0 && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value >= 0)
            {
                if (property == 0) total = value;
                else if (property == 1) prompt = value;
                else completion = value;
            }
            else
            {
                reader.Skip();
            }
        }

        totalTokens = total ?? prompt + completion ?? 0;
        return total is not null || (prompt is not null && completion is not null);
    }
}
