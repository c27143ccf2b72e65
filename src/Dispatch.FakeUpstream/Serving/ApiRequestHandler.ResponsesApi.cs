using System.Globalization;
using System.Text.Json;
using Dispatch.FakeUpstream.Latency;
using Dispatch.FakeUpstream.Tokens;
using Microsoft.AspNetCore.Http;

namespace Dispatch.FakeUpstream.Serving;

/// <summary>
/// OpenAI's Responses API (<c>POST /v1/responses</c>): a Response object holding one assistant message of
/// <c>output_text</c>, <c>incomplete</c> when cut at <c>max_output_tokens</c>. Streamed (<c>"stream": true</c>), it comes
/// as OpenAI's named events: <c>response.created</c>, <c>response.in_progress</c>, <c>response.output_item.added</c>,
/// <c>response.content_part.added</c>, <see cref="FakeUpstreamOptions.StreamChunks"/> <c>response.output_text.delta</c>
/// events <see cref="FakeUpstreamOptions.StreamChunkGap"/> apart, <c>response.output_text.done</c>,
/// <c>response.content_part.done</c>, <c>response.output_item.done</c>, then <c>response.completed</c> (or
/// <c>response.incomplete</c>) with the whole response and its usage; each event's data has its <c>type</c> and
/// <c>sequence_number</c>.
/// </summary>
internal sealed partial class ApiRequestHandler
{
    private Task WriteResponseAsync(HttpContext context, ResponsesRequestSummary request) =>
        WriteJsonAsync(context, NewResponseAnswer(request), static (json, answer) => answer.WriteResponse(json, done: true));

    private async Task WriteResponseStreamAsync(HttpContext context, ResponsesRequestSummary request)
    {
        var response = BeginEventStream(context);
        var answer = NewResponseAnswer(request);
        var chunks = state.Options.StreamChunks;
        var gap = state.Options.StreamChunkGap;
        var sequence = 0;
        WriteResponseEvent(response, answer, ResponseEvent.Created, sequence++);
        WriteResponseEvent(response, answer, ResponseEvent.InProgress, sequence++);
        WriteResponseEvent(response, answer, ResponseEvent.OutputItemAdded, sequence++);
        WriteResponseEvent(response, answer, ResponseEvent.ContentPartAdded, sequence++);
        for (var index = 0; index < chunks; index++)
        {
            if (index > 0 && gap > TimeSpan.Zero) await Pause.AtLeastAsync(gap, context.RequestAborted);
            WriteResponseEvent(response, answer, ResponseEvent.OutputTextDelta, sequence++, answer.Chars * index / chunks, answer.Chars * (index + 1) / chunks);
            await response.BodyWriter.FlushAsync(context.RequestAborted);
        }

        WriteResponseEvent(response, answer, ResponseEvent.OutputTextDone, sequence++);
        WriteResponseEvent(response, answer, ResponseEvent.ContentPartDone, sequence++);
        WriteResponseEvent(response, answer, ResponseEvent.OutputItemDone, sequence++);
        WriteResponseEvent(response, answer, request.Incomplete ? ResponseEvent.Incomplete : ResponseEvent.Completed, sequence);
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private ResponseAnswer NewResponseAnswer(ResponsesRequestSummary request) =>
        new(state.NextResponseId(), state.Time.GetUtcNow().ToUnixTimeSeconds(), request);

    /// <summary>One named event; <paramref name="from"/> and <paramref name="to"/> cut a delta's piece of the answer text.</summary>
    private static void WriteResponseEvent(HttpResponse response, ResponseAnswer answer, ResponseEvent kind, int sequence, long from = 0, long to = 0) =>
        WriteEvent(response, (Answer: answer, Kind: kind, Sequence: sequence, From: from, To: to),
            static (json, s) => s.Answer.WriteEvent(json, s.Kind, s.Sequence, s.From, s.To), ResponseAnswer.Name(kind));

    /// <summary>The events of a streamed response, in the order they are sent.</summary>
    private enum ResponseEvent
    {
        Created,
        InProgress,
        OutputItemAdded,
        ContentPartAdded,
        OutputTextDelta,
        OutputTextDone,
        ContentPartDone,
        OutputItemDone,
        Completed,
        Incomplete,
    }

    /// <summary>What every event of one response shares: its ids, creation time and request; and how each part of it is written.</summary>
    private readonly record struct ResponseAnswer(long Id, long CreatedAt, ResponsesRequestSummary Request)
    {
        /// <summary>Characters of the answer text.</summary>
        public long Chars => Request.OutputTokens * TokenEstimator.CharsPerToken;

        private ReadOnlySpan<byte> DoneStatus => Request.Incomplete ? "incomplete"u8 : "completed"u8;

        public static ReadOnlySpan<byte> Name(ResponseEvent kind) => kind switch
        {
            ResponseEvent.Created => "response.created"u8,
            ResponseEvent.InProgress => "response.in_progress"u8,
            ResponseEvent.OutputItemAdded => "response.output_item.added"u8,
            ResponseEvent.ContentPartAdded => "response.content_part.added"u8,
            ResponseEvent.OutputTextDelta => "response.output_text.delta"u8,
            ResponseEvent.OutputTextDone => "response.output_text.done"u8,
            ResponseEvent.ContentPartDone => "response.content_part.done"u8,
            ResponseEvent.OutputItemDone => "response.output_item.done"u8,
            ResponseEvent.Completed => "response.completed"u8,
            _ => "response.incomplete"u8,
        };

        /// <summary>An event's data: its <c>type</c> and <c>sequence_number</c>, then what that kind of event carries.</summary>
        public void WriteEvent(Utf8JsonWriter json, ResponseEvent kind, int sequence, long from, long to)
        {
            json.WriteStartObject();
            json.WriteString("type"u8, Name(kind));
            json.WriteNumber("sequence_number"u8, sequence);
            switch (kind)
            {
                case ResponseEvent.Created or ResponseEvent.InProgress or ResponseEvent.Completed or ResponseEvent.Incomplete:
                    json.WritePropertyName("response"u8);
                    WriteResponse(json, done: kind is ResponseEvent.Completed or ResponseEvent.Incomplete);
                    break;
                case ResponseEvent.OutputItemAdded or ResponseEvent.OutputItemDone:
                    json.WriteNumber("output_index"u8, 0);
                    json.WritePropertyName("item"u8);
                    WriteMessage(json, done: kind == ResponseEvent.OutputItemDone);
                    break;
                default:
                    WriteTextPosition(json);
                    if (kind == ResponseEvent.OutputTextDelta) WriteCompletionText(json, "delta"u8, from, to - from);
                    else if (kind == ResponseEvent.OutputTextDone) WriteCompletionText(json, "text"u8, 0, Chars);
                    else
                    {
                        json.WritePropertyName("part"u8);
                        WriteText(json, done: kind == ResponseEvent.ContentPartDone);
                    }

                    break;
            }

            json.WriteEndObject();
        }

        /// <summary>The Response object: in progress (no output, no usage yet), or done with its message and usage.</summary>
        public void WriteResponse(Utf8JsonWriter json, bool done)
        {
            json.WriteStartObject();
            json.WriteString("id"u8, "resp_" + Id.ToString(CultureInfo.InvariantCulture));
            json.WriteString("object"u8, "response"u8);
            json.WriteNumber("created_at"u8, CreatedAt);
            json.WriteString("status"u8, done ? DoneStatus : "in_progress"u8);
            json.WriteNull("error"u8);
            if (done && Request.Incomplete)
            {
                json.WriteStartObject("incomplete_details"u8);
                json.WriteString("reason"u8, "max_output_tokens"u8);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("incomplete_details"u8);
            }

            json.WriteString("model"u8, Request.Model ?? DefaultModel);
            json.WriteStartArray("output"u8);
            if (done) WriteMessage(json, done: true);
            json.WriteEndArray();
            if (done) WriteResponsesUsage(json);
            else json.WriteNull("usage"u8);
            json.WriteEndObject();
        }

        /// <summary>The assistant's message item: empty while in progress, then holding the whole text.</summary>
        private void WriteMessage(Utf8JsonWriter json, bool done)
        {
            json.WriteStartObject();
            WriteMessageId(json, "id"u8);
            json.WriteString("type"u8, "message"u8);
            json.WriteString("status"u8, done ? DoneStatus : "in_progress"u8);
            json.WriteString("role"u8, "assistant"u8);
            json.WriteStartArray("content"u8);
            if (done) WriteText(json, done: true);
            json.WriteEndArray();
            json.WriteEndObject();
        }

        /// <summary>The <c>output_text</c> content part: empty when added, the whole text when done.</summary>
        private void WriteText(Utf8JsonWriter json, bool done)
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "output_text"u8);
            WriteCompletionText(json, "text"u8, 0, done ? Chars : 0);
            json.WriteStartArray("annotations"u8);
            json.WriteEndArray();
            json.WriteEndObject();
        }

        /// <summary>Where a text event's content is: the message item and its one part.</summary>
        private void WriteTextPosition(Utf8JsonWriter json)
        {
            WriteMessageId(json, "item_id"u8);
            json.WriteNumber("output_index"u8, 0);
            json.WriteNumber("content_index"u8, 0);
        }

        private void WriteMessageId(Utf8JsonWriter json, ReadOnlySpan<byte> name) =>
            json.WriteString(name, "msg_" + Id.ToString(CultureInfo.InvariantCulture));

        private void WriteResponsesUsage(Utf8JsonWriter json)
        {
            json.WriteStartObject("usage"u8);
            json.WriteNumber("input_tokens"u8, Request.InputTokens);
            json.WriteStartObject("input_tokens_details"u8);
            json.WriteNumber("cached_tokens"u8, 0);
            json.WriteEndObject();
            json.WriteNumber("output_tokens"u8, Request.OutputTokens);
            json.WriteStartObject("output_tokens_details"u8);
            json.WriteNumber("reasoning_tokens"u8, 0);
            json.WriteEndObject();
            json.WriteNumber("total_tokens"u8, Request.InputTokens + Request.OutputTokens);
            json.WriteEndObject();
        }
    }
}
