using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using Dispatch.FakeUpstream.Tokens;
using Microsoft.AspNetCore.Http;

namespace Dispatch.FakeUpstream.Serving;

/// <summary>The bodies of normal answers and errors, written straight into Kestrel's buffers.</summary>
internal sealed partial class ApiRequestHandler
{
    private const string DefaultModel = "fake-model";

    /// <summary>"tok " repeated: four characters, one token, so answers follow the chars/4 rule they are counted by.</summary>
    private static readonly byte[] CompletionText = BuildCompletionText(64 * 1024);

    private Task WriteChatCompletionAsync(HttpContext context, ChatRequestSummary chat) =>
        WriteJsonAsync(context, (Handler: this, Chat: chat, Created: state.Time.GetUtcNow().ToUnixTimeSeconds()), static (json, s) =>
        {
            json.WriteStartObject();
            s.Handler.WriteId(json, "chatcmpl-"u8);
            json.WriteString("object"u8, "chat.completion"u8);
            json.WriteNumber("created"u8, s.Created);
            json.WriteString("model"u8, s.Chat.Model ?? DefaultModel);
            json.WriteStartArray("choices"u8);
            for (var index = 0; index < s.Chat.Choices; index++)
            {
                json.WriteStartObject();
                json.WriteNumber("index"u8, index);
                json.WriteStartObject("message"u8);
                json.WriteString("role"u8, "assistant"u8);
                WriteCompletionText(json, s.Chat.CompletionTokensPerChoice * TokenEstimator.CharsPerToken);
                json.WriteEndObject();
                json.WriteString("finish_reason"u8, s.Chat.FinishReason);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            WriteUsage(json, s.Chat.PromptTokens, s.Chat.CompletionTokens);
            json.WriteEndObject();
        });

    /// <summary>An OpenAI embeddings answer: one small deterministic vector per input, as floats or base64 little-endian float32s.</summary>
    private static Task WriteEmbeddingsAsync(HttpContext context, EmbeddingsRequestSummary request) =>
        WriteJsonAsync(context, request, static (json, r) =>
        {
            json.WriteStartObject();
            json.WriteString("object"u8, "list"u8);
            json.WriteStartArray("data"u8);
            Span<float> vector = stackalloc float[EmbeddingsRequestSummary.Dimensions];
            for (var index = 0; index < r.Inputs; index++)
            {
                for (var d = 0; d < vector.Length; d++) vector[d] = (index + 1) / (float)(d + 1);
                json.WriteStartObject();
                json.WriteString("object"u8, "embedding"u8);
                json.WriteNumber("index"u8, index);
                if (r.Base64)
                {
                    json.WriteBase64String("embedding"u8, System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector));
                }
                else
                {
                    json.WriteStartArray("embedding"u8);
                    foreach (var value in vector) json.WriteNumberValue(value);
                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("model"u8, r.Model ?? DefaultModel);
            json.WriteStartObject("usage"u8);
            json.WriteNumber("prompt_tokens"u8, r.PromptTokens);
            json.WriteNumber("total_tokens"u8, r.PromptTokens);
            json.WriteEndObject();
            json.WriteEndObject();
        });

    private Task WriteEchoAsync(HttpContext context, ReadOnlyMemory<byte> body, long tokens) =>
        WriteJsonAsync(context, (Handler: this, Body: body, Tokens: tokens), static (json, s) =>
        {
            json.WriteStartObject();
            s.Handler.WriteId(json, "echo-"u8);
            json.WriteString("object"u8, "echo"u8);
            json.WritePropertyName("echo"u8);
            if (s.Body.IsEmpty) json.WriteNullValue();
            else json.WriteRawValue(s.Body.Span, skipInputValidation: true);
            WriteUsage(json, s.Tokens, 0);
            json.WriteEndObject();
        });

    /// <summary>An OpenAI-shaped error: <c>{"error":{"message","type","code"}}</c>.</summary>
    private static Task WriteErrorAsync(HttpContext context, int status, string type, string code, string message)
    {
        context.Response.StatusCode = status;
        return WriteJsonAsync(context, (Type: type, Code: code, Message: message), static (json, s) =>
        {
            json.WriteStartObject();
            json.WriteStartObject("error"u8);
            json.WriteString("message"u8, s.Message);
            json.WriteString("type"u8, s.Type);
            json.WriteString("code"u8, s.Code);
            json.WriteEndObject();
            json.WriteEndObject();
        });
    }

    /// <summary>Writes a JSON body straight into Kestrel's pipe; the state tuple keeps the writer lambdas static (no closure per request).</summary>
    private static async Task WriteJsonAsync<TState>(HttpContext context, TState state, Action<Utf8JsonWriter, TState> write)
    {
        var response = context.Response;
        response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(response.BodyWriter))
            write(json, state);
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>
    /// The echo charge: the <see cref="FakeUpstreamHeaders.Tokens"/> header when present, else the
    /// body's bytes / 4 rounded up. The body must be JSON (or empty) because it is echoed as JSON.
    /// </summary>
    private static bool TryReadEchoTokens(IHeaderDictionary headers, ReadOnlySpan<byte> body, out long tokens, out string? error)
    {
        tokens = TokenEstimator.TokensForChars(body.Length);
        string? declared = headers[FakeUpstreamHeaders.Tokens];
        if (declared is not null)
        {
            if (!long.TryParse(declared, NumberStyles.None, CultureInfo.InvariantCulture, out tokens))
            {
                error = $"Header '{FakeUpstreamHeaders.Tokens}' must be a non-negative integer.";
                return false;
            }
        }

        if (!body.IsEmpty)
        {
            try
            {
                var reader = new Utf8JsonReader(body);
                while (reader.Read()) { }
            }
            catch (JsonException ex)
            {
                error = $"body is not valid JSON: {ex.Message}";
                return false;
            }
        }

        error = null;
        return true;
    }

    private void WriteId(Utf8JsonWriter json, ReadOnlySpan<byte> prefix)
    {
        Span<byte> id = stackalloc byte[prefix.Length + 20];
        prefix.CopyTo(id);
        Utf8Formatter.TryFormat(state.NextResponseId(), id[prefix.Length..], out var written);
        json.WriteString("id"u8, id[..(prefix.Length + written)]);
    }

    private static void WriteUsage(Utf8JsonWriter json, long prompt, long completion)
    {
        json.WriteStartObject("usage"u8);
        json.WriteNumber("prompt_tokens"u8, prompt);
        json.WriteNumber("completion_tokens"u8, completion);
        json.WriteNumber("total_tokens"u8, prompt + completion);
        json.WriteEndObject();
    }

    private static void WriteCompletionText(Utf8JsonWriter json, long chars) => WriteCompletionText(json, "content"u8, 0, chars);

    /// <summary>
    /// Writes <paramref name="chars"/> characters of the answer text from <paramref name="from"/> on as the string
    /// property <paramref name="name"/>: pieces cut at any offset join up into the whole text.
    /// </summary>
    private static void WriteCompletionText(Utf8JsonWriter json, ReadOnlySpan<byte> name, long from, long chars)
    {
        // The text repeats every four characters, so the piece from any offset is a slice from that offset's phase.
        var phase = (int)(from % TokenEstimator.CharsPerToken);
        if (phase + chars <= CompletionText.Length)
        {
            json.WriteString(name, CompletionText.AsSpan(phase, (int)chars));
            return;
        }

        var rented = ArrayPool<byte>.Shared.Rent((int)chars);
        try
        {
            for (var at = 0; at < chars; at += CompletionText.Length - TokenEstimator.CharsPerToken)
                CompletionText.AsSpan(phase, (int)Math.Min(CompletionText.Length - TokenEstimator.CharsPerToken, chars - at)).CopyTo(rented.AsSpan(at));
            json.WriteString(name, rented.AsSpan(0, (int)chars));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static byte[] BuildCompletionText(int length)
    {
        var text = new byte[length];
        for (var i = 0; i < length; i++) text[i] = "tok "u8[i % 4];
        return text;
    }
}
