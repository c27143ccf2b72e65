using System.Net;
using System.Text;
using System.Text.Json;
using Dispatch.FakeUpstream.Tests.Support;

namespace Dispatch.FakeUpstream.Tests.Routes;

public sealed class ChatStreamingSpec
{
    [Fact]
    public async Task Streamed_chat_completion_sends_the_configured_chunks_as_server_sent_events_then_done()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 4 });
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Chat(StreamBody(contentChars: 40, includeUsage: false)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = Events(await response.Content.ReadAsStringAsync());
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.Equal(5, chunks.Count);
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var text = string.Concat(chunks[..^1].Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        // Four chunks of 10 characters cut the text mid-token; the pieces still join up into the whole answer.
        Assert.Equal(string.Concat(Enumerable.Repeat("tok ", 10)), text);
        Assert.All(chunks[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind));
        // As OpenAI ends a choice: a chunk of its own, with an empty delta and the finish_reason.
        var finish = chunks[^1].GetProperty("choices")[0];
        Assert.Equal("stop", finish.GetProperty("finish_reason").GetString());
        Assert.Empty(finish.GetProperty("delta").EnumerateObject());
        Assert.All(chunks, c => Assert.False(c.TryGetProperty("usage", out _)));
    }

    [Fact]
    public async Task Streamed_chat_completion_with_include_usage_ends_with_a_usage_chunk_without_choices()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 3 });
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Chat(StreamBody(contentChars: 40, includeUsage: true)));

        var events = Events(await response.Content.ReadAsStringAsync());
        Assert.Equal(6, events.Count);
        Assert.Equal("[DONE]", events[^1]);
        var usageChunk = JsonDocument.Parse(events[^2]).RootElement;
        Assert.Empty(usageChunk.GetProperty("choices").EnumerateArray());
        Assert.Equal(20, usageChunk.GetProperty("usage").GetProperty("total_tokens").GetInt64());
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(events[0]).RootElement.GetProperty("usage").ValueKind);
    }

    [Fact]
    public async Task Streamed_chunks_are_flushed_as_they_are_made_not_held_for_the_whole_answer()
    {
        // A gap no test waits out: the first chunk can only be read because it was sent before the second exists.
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 2, StreamChunkGap = TimeSpan.FromMinutes(10) });
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Chat(StreamBody(contentChars: 40, includeUsage: false)), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body, Encoding.UTF8);
        var first = await reader.ReadLineAsync();

        Assert.StartsWith("data: {", first);
        Assert.Equal(1, up.Counters.Snapshot().OpenRequests);
    }

    [Fact]
    public async Task Streamed_chat_completion_is_charged_like_a_whole_one()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Chat(StreamBody(contentChars: 40, includeUsage: false)));
        await response.Content.ReadAsStringAsync();

        var counters = up.Counters.Snapshot();
        Assert.Equal(20, counters.PromptTokens + counters.CompletionTokens);
    }

    [Theory]
    [InlineData("{\"messages\":[],\"stream\":\"yes\"}", "'stream' must be a boolean")]
    [InlineData("{\"messages\":[],\"stream\":true,\"stream_options\":[]}", "'stream_options' must be an object")]
    [InlineData("{\"messages\":[],\"stream\":true,\"stream_options\":{\"include_usage\":1}}", "'stream_options.include_usage' must be a boolean")]
    public async Task Streamed_chat_completion_with_invalid_stream_fields_is_answered_400_naming_them(string body, string reason)
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Chat(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, (await response.JsonAsync()).GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public void Stream_chunk_count_outside_its_range_is_refused_naming_the_option(int chunks)
    {
        var error = Assert.Throws<ArgumentException>(() => new FakeUpstreamOptions { StreamChunks = chunks }.Validate());
        Assert.Contains(nameof(FakeUpstreamOptions.StreamChunks), error.Message);
    }

    [Fact]
    public void Negative_stream_gap_is_refused_naming_the_option()
    {
        var error = Assert.Throws<ArgumentException>(() => new FakeUpstreamOptions { StreamChunkGap = TimeSpan.FromSeconds(-1) }.Validate());
        Assert.Contains(nameof(FakeUpstreamOptions.StreamChunkGap), error.Message);
    }

    private static string StreamBody(int contentChars, bool includeUsage) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["model"] = "gpt-test",
        ["messages"] = new[] { new { role = "user", content = new string('a', contentChars) } },
        ["stream"] = true,
        ["stream_options"] = includeUsage ? new { include_usage = true } : null,
    });

    /// <summary>The <c>data:</c> payloads of a server-sent-events body, in order.</summary>
    private static List<string> Events(string body) =>
        body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Trim())
            .Where(e => e.StartsWith("data: ", StringComparison.Ordinal))
            .Select(e => e["data: ".Length..])
            .ToList();
}
