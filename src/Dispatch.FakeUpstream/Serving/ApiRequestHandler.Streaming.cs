using System.Buffers;
using System.Text.Json;
using Dispatch.FakeUpstream.Latency;
using Dispatch.FakeUpstream.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Dispatch.FakeUpstream.Serving;

/// <summary>
/// Streamed chat completions, as OpenAI sends them: <c>text/event-stream</c>, one <c>data: {chat.completion.chunk}</c>
/// event per piece of the answer (the first names the role; each has <c>"finish_reason": null</c>), then a final chunk
/// with an empty <c>delta</c> and the <c>finish_reason</c>, sent with the last piece, a usage chunk
/// (<c>choices: []</c>) when <c>stream_options.include_usage</c> is set, then <c>data: [DONE]</c>. Each event is
/// flushed as it is written, <see cref="FakeUpstreamOptions.StreamChunkGap"/> apart.
/// </summary>
internal sealed partial class ApiRequestHandler
{
    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;

    private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;

    private async Task WriteChatStreamAsync(HttpContext context, ChatRequestSummary chat)
    {
        var response = BeginEventStream(context);
        var chunks = state.Options.StreamChunks;
        var gap = state.Options.StreamChunkGap;
        var answer = new StreamedAnswer(state.NextResponseId(), state.Time.GetUtcNow().ToUnixTimeSeconds(), chat);
        for (var index = 0; index < chunks; index++)
        {
            if (index > 0 && gap > TimeSpan.Zero) await Pause.AtLeastAsync(gap, context.RequestAborted);
            WriteEvent(response, (Answer: answer, Index: index, Count: chunks), static (json, s) => s.Answer.WriteChunk(json, s.Index, s.Count));
            await response.BodyWriter.FlushAsync(context.RequestAborted);
        }

        WriteEvent(response, answer, static (json, a) => a.WriteFinishChunk(json));
        if (chat.IncludeUsage) WriteEvent(response, answer, static (json, a) => a.WriteUsageChunk(json));
        response.BodyWriter.Write(DataPrefix);
        response.BodyWriter.Write("[DONE]"u8);
        response.BodyWriter.Write(EventEnd);
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>Starts a <c>text/event-stream</c> answer whose events reach the client as each is flushed.</summary>
    private static HttpResponse BeginEventStream(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return response;
    }

    /// <summary>One server-sent event: <c>event: </c><paramref name="name"/> when given (the Responses API names its events), then the JSON <c>data</c>.</summary>
    private static void WriteEvent<TState>(HttpResponse response, TState state, Action<Utf8JsonWriter, TState> write, ReadOnlySpan<byte> name = default)
    {
        if (!name.IsEmpty)
        {
            response.BodyWriter.Write("event: "u8);
            response.BodyWriter.Write(name);
            response.BodyWriter.Write("\n"u8);
        }

        response.BodyWriter.Write(DataPrefix);
        using (var json = new Utf8JsonWriter(response.BodyWriter))
            write(json, state);
        response.BodyWriter.Write(EventEnd);
    }

    /// <summary>What every chunk of one streamed answer shares, and how its text is cut into the chunks.</summary>
    private readonly record struct StreamedAnswer(long Id, long Created, ChatRequestSummary Chat)
    {
        private long Chars => Chat.CompletionTokensPerChoice * TokenEstimator.CharsPerToken;

        /// <summary>Chunk <paramref name="index"/> of <paramref name="count"/>: an even share of each choice's text.</summary>
        public void WriteChunk(Utf8JsonWriter json, int index, int count)
        {
            WriteHeader(json);
            json.WriteStartArray("choices"u8);
            var from = Chars * index / count;
            var to = Chars * (index + 1) / count;
            for (var choice = 0; choice < Chat.Choices; choice++)
            {
                json.WriteStartObject();
                json.WriteNumber("index"u8, choice);
                json.WriteStartObject("delta"u8);
                if (index == 0) json.WriteString("role"u8, "assistant"u8);
                WriteCompletionText(json, "content"u8, from, to - from);
                json.WriteEndObject();
                json.WriteNull("finish_reason"u8);
                json.WriteEndObject();
            }

            EndChunk(json);
        }

        /// <summary>The chunk that ends each choice, as OpenAI sends it: an empty <c>delta</c> and the <c>finish_reason</c>.</summary>
        public void WriteFinishChunk(Utf8JsonWriter json)
        {
            WriteHeader(json);
            json.WriteStartArray("choices"u8);
            for (var choice = 0; choice < Chat.Choices; choice++)
            {
                json.WriteStartObject();
                json.WriteNumber("index"u8, choice);
                json.WriteStartObject("delta"u8);
                json.WriteEndObject();
                json.WriteString("finish_reason"u8, Chat.FinishReason);
                json.WriteEndObject();
            }

            EndChunk(json);
        }

        /// <summary>The final usage chunk: no choices, the whole answer's usage.</summary>
        public void WriteUsageChunk(Utf8JsonWriter json)
        {
            WriteHeader(json);
            json.WriteStartArray("choices"u8);
            json.WriteEndArray();
            WriteUsage(json, Chat.PromptTokens, Chat.CompletionTokens);
            json.WriteEndObject();
        }

        private void EndChunk(Utf8JsonWriter json)
        {
            json.WriteEndArray();
            // With include_usage OpenAI sends "usage": null on every chunk but the usage chunk.
            if (Chat.IncludeUsage) json.WriteNull("usage"u8);
            json.WriteEndObject();
        }

        private void WriteHeader(Utf8JsonWriter json)
        {
            json.WriteStartObject();
            json.WriteString("id"u8, "chatcmpl-" + Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("object"u8, "chat.completion.chunk"u8);
            json.WriteNumber("created"u8, Created);
            json.WriteString("model"u8, Chat.Model ?? DefaultModel);
        }
    }
}
