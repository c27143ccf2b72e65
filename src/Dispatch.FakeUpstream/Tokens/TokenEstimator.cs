using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Dispatch.FakeUpstream.Tokens;

/// <summary>
/// The server's token arithmetic, public so clients and tests compute exactly what it charges.
/// A chat request is charged its <c>usage.total_tokens</c>: prompt tokens (message characters / 4,
/// rounded up) plus completion tokens (see <see cref="ChatRequestSummary.CompletionTokensPerChoice"/>)
/// for each of the <c>n</c> choices; a Responses API request, as one choice of its instructions and input text, with
/// <c>max_output_tokens</c> as its max tokens. An echo request is charged its <see cref="FakeUpstreamHeaders.Tokens"/>
/// header, else its body's UTF-8 bytes / 4, rounded up.
/// </summary>
public static partial class TokenEstimator
{
    /// <summary>Characters per token, as OpenAI's rule of thumb for English.</summary>
    public const int CharsPerToken = 4;

    /// <summary>The completion budget of a chat request without <c>max_tokens</c> or <c>max_completion_tokens</c> (and of a Responses API request without <c>max_output_tokens</c>).</summary>
    public const int DefaultMaxTokens = 256;

    /// <summary>The largest <c>n</c> accepted, as OpenAI's API.</summary>
    public const int MaxChoices = 128;

    /// <summary>Tokens for <paramref name="chars"/> characters: divided by <see cref="CharsPerToken"/>, rounded up.</summary>
    /// <param name="chars">A character (or byte) count.</param>
    public static long TokensForChars(long chars) => (chars + CharsPerToken - 1) / CharsPerToken;

    /// <summary>Reads a chat completion request body, or throws <see cref="FormatException"/> saying what is wrong.</summary>
    /// <param name="utf8Json">The request body.</param>
    public static ChatRequestSummary ReadChat(ReadOnlySpan<byte> utf8Json) =>
        TryReadChat(utf8Json, out var summary, out var error) ? summary : throw new FormatException(error);

    /// <summary>
    /// Reads <c>model</c>, <c>messages[].content</c> (a string or an array of parts with <c>text</c>),
    /// <c>max_tokens</c> / <c>max_completion_tokens</c>, <c>n</c>, <c>stream</c> and <c>stream_options.include_usage</c>
    /// from a chat completion request body.
    /// </summary>
    /// <param name="utf8Json">The request body.</param>
    /// <param name="summary">What was read.</param>
    /// <param name="error">Why the body is not a valid request, naming the field.</param>
    /// <returns>Whether the body is a valid chat completion request.</returns>
    public static bool TryReadChat(ReadOnlySpan<byte> utf8Json, out ChatRequestSummary summary, out string? error) =>
        TryRead(utf8Json, TryReadChatCore, out summary, out error);

    private delegate bool BodyReader<TSummary>(ReadOnlySpan<byte> utf8Json, out TSummary summary, out string? error);

    /// <summary>Runs <paramref name="read"/>, turning invalid JSON into an error rather than an exception.</summary>
    private static bool TryRead<TSummary>(ReadOnlySpan<byte> utf8Json, BodyReader<TSummary> read, out TSummary summary, out string? error)
        where TSummary : struct
    {
        summary = default;
        try
        {
            return read(utf8Json, out summary, out error);
        }
        catch (JsonException ex)
        {
            error = $"body is not valid JSON: {ex.Message}";
            return false;
        }
    }

    private static bool TryReadChatCore(ReadOnlySpan<byte> utf8Json, out ChatRequestSummary summary, out string? error)
    {
        summary = default;
        if (!TryOpenObject(utf8Json, out var reader, out error)) return false;

        string? model = null;
        long chars = 0;
        int? maxTokens = null, maxCompletionTokens = null;
        var choices = 1;
        var sawMessages = false;
        bool stream = false, includeUsage = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                if (!TryReadModel(ref reader, out model, out error)) return false;
            }
            else if (reader.ValueTextEquals("messages"u8))
            {
                reader.Read();
                if (!TryCountMessages(ref reader, "messages", out chars, out error)) return false;
                sawMessages = true;
            }
            else if (reader.ValueTextEquals("max_tokens"u8))
            {
                if (!TryReadPositive(ref reader, "max_tokens", int.MaxValue, out maxTokens, out error)) return false;
            }
            else if (reader.ValueTextEquals("max_completion_tokens"u8))
            {
                if (!TryReadPositive(ref reader, "max_completion_tokens", int.MaxValue, out maxCompletionTokens, out error)) return false;
            }
            else if (reader.ValueTextEquals("n"u8))
            {
                if (!TryReadPositive(ref reader, "n", MaxChoices, out var n, out error)) return false;
                choices = n ?? 1;
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                if (!TryReadStream(ref reader, out stream, out error)) return false;
            }
            else if (reader.ValueTextEquals("stream_options"u8))
            {
                reader.Read();
                if (!TryReadStreamOptions(ref reader, out includeUsage, out error)) return false;
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        if (!TryClose(ref reader, sawMessages, "messages", out error)) return false;

        summary = new ChatRequestSummary(model, chars, maxCompletionTokens ?? maxTokens ?? DefaultMaxTokens, choices) { Stream = stream, IncludeUsage = includeUsage };
        return true;
    }

    private static bool TryReadModel(ref Utf8JsonReader reader, out string? model, out string? error)
    {
        model = null;
        error = null;
        reader.Read();
        if (reader.TokenType == JsonTokenType.String) model = reader.GetString();
        else if (reader.TokenType != JsonTokenType.Null) return Fail("'model' must be a string", out error);
        return true;
    }

    private static bool TryReadStream(ref Utf8JsonReader reader, out bool stream, out string? error)
    {
        error = null;
        reader.Read();
        stream = reader.TokenType == JsonTokenType.True;
        return reader.TokenType is JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null || Fail("'stream' must be a boolean", out error);
    }

    /// <summary>A reader at the start of the body's object, or the error saying the body is not one.</summary>
    private static bool TryOpenObject(ReadOnlySpan<byte> utf8Json, out Utf8JsonReader reader, out string? error)
    {
        reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        error = null;
        return (reader.Read() && reader.TokenType == JsonTokenType.StartObject) || Fail("body must be a JSON object", out error);
    }

    /// <summary>After the object's last property: the error when the required field was missing; trailing bytes (invalid JSON) throw.</summary>
    private static bool TryClose(ref Utf8JsonReader reader, bool sawRequired, string required, out string? error)
    {
        error = null;
        if (!sawRequired) return Fail($"'{required}' is required", out error);
        while (reader.Read()) { }
        return true;
    }

    /// <summary>Skips the value of the property the reader is at.</summary>
    private static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    /// <summary>Reads <c>stream_options</c>: null or an object whose <c>include_usage</c> is a boolean.</summary>
    private static bool TryReadStreamOptions(ref Utf8JsonReader reader, out bool includeUsage, out string? error)
    {
        includeUsage = false;
        error = null;
        if (reader.TokenType == JsonTokenType.Null) return true;
        if (reader.TokenType != JsonTokenType.StartObject) return Fail("'stream_options' must be an object", out error);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (!isIncludeUsage) reader.Skip();
            else if (reader.TokenType is JsonTokenType.True or JsonTokenType.False) includeUsage = reader.TokenType == JsonTokenType.True;
            else if (reader.TokenType != JsonTokenType.Null) return Fail("'stream_options.include_usage' must be a boolean", out error);
        }

        return true;
    }

    /// <summary>
    /// Characters of the <c>content</c> of every item of the array <paramref name="field"/> (chat's <c>messages</c>, the
    /// Responses API's <c>input</c> items): a string or an array of parts with <c>text</c>.
    /// </summary>
    private static bool TryCountMessages(ref Utf8JsonReader reader, string field, out long chars, out string? error)
    {
        chars = 0;
        if (reader.TokenType != JsonTokenType.StartArray) return Fail($"'{field}' must be an array", out error);
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject) return Fail($"'{field}[{index}]' must be an object", out error);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isContent = reader.ValueTextEquals("content"u8);
                reader.Read();
                if (!isContent) reader.Skip();
                else if (reader.TokenType == JsonTokenType.String) chars += CharCount(ref reader);
                else if (reader.TokenType == JsonTokenType.StartArray) chars += CountTextParts(ref reader);
                else if (reader.TokenType != JsonTokenType.Null) return Fail($"'{field}[{index}].content' must be a string, an array of parts or null", out error);
            }

            index++;
        }

        error = null;
        return true;
    }

    /// <summary>Characters of the <c>text</c> of every part in a content array; other parts (images) count nothing.</summary>
    private static long CountTextParts(ref Utf8JsonReader reader)
    {
        long chars = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isText = reader.ValueTextEquals("text"u8);
                reader.Read();
                if (isText && reader.TokenType == JsonTokenType.String) chars += CharCount(ref reader);
                else reader.Skip();
            }
        }

        return chars;
    }

    /// <summary>The UTF-16 length of the current string token, without allocating a string.</summary>
    private static int CharCount(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped) return Encoding.UTF8.GetCharCount(reader.ValueSpan);
        var buffer = ArrayPool<char>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            return reader.CopyString(buffer);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static bool TryReadPositive(ref Utf8JsonReader reader, string name, int max, out int? value, out string? error)
    {
        value = null;
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            error = null;
            return true;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var number) || number < 1 || number > max)
            return Fail($"'{name}' must be an integer between 1 and {max}", out error);
        value = (int)number;
        error = null;
        return true;
    }

    private static bool Fail(string message, out string? error)
    {
        error = message;
        return false;
    }
}
