using System.Net;
using System.Text;
using System.Text.Json;
using Dispatch.FakeUpstream.Tests.Support;

namespace Dispatch.FakeUpstream.Tests.Routes;

public sealed class ResponsesStreamingSpec
{
    private static readonly string[] EventOrder =
    [
        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
    ];

    [Fact]
    public async Task Streamed_response_sends_OpenAIs_named_events_in_order_with_the_deltas_making_up_the_text()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 4 });
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Responses(Requests.ResponsesBody(inputChars: 42, stream: true)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = Events(await response.Content.ReadAsStringAsync());
        Assert.Equal(EventOrder, events.Select(e => e.Name));
        Assert.All(events, e => Assert.Equal(e.Name, e.Data.GetProperty("type").GetString()));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));
        var created = events[0].Data.GetProperty("response");
        Assert.Equal("in_progress", created.GetProperty("status").GetString());
        Assert.Empty(created.GetProperty("output").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("usage").ValueKind);
        // 42 characters are 11 tokens, so 44 characters of answer, cut into four deltas that join up into the done text.
        var deltas = string.Concat(events.Where(e => e.Name == "response.output_text.delta").Select(e => e.Data.GetProperty("delta").GetString()));
        var done = events.Single(e => e.Name == "response.output_text.done").Data.GetProperty("text").GetString();
        Assert.Equal(44, deltas.Length);
        Assert.Equal(done, deltas);
        var messageId = events[2].Data.GetProperty("item").GetProperty("id").GetString();
        Assert.All(events[3..10], e => Assert.Equal(messageId, e.Data.GetProperty("item_id").GetString()));
        Assert.Equal(done, events[10].Data.GetProperty("item").GetProperty("content")[0].GetProperty("text").GetString());
        var completed = events[^1].Data.GetProperty("response");
        Assert.Equal(created.GetProperty("id").GetString(), completed.GetProperty("id").GetString());
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Assert.Equal(done, completed.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(22, completed.GetProperty("usage").GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public async Task Deltas_of_a_long_answer_cut_mid_token_still_join_up_into_its_text()
    {
        // 200,000 characters in three deltas: each longer than the prepared text, the second and third starting mid-token.
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 3 });
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Responses(Requests.ResponsesBody(inputChars: 200_000, maxOutputTokens: 50_000, stream: true)));

        var events = Events(await response.Content.ReadAsStringAsync());
        var deltas = string.Concat(events.Where(e => e.Name == "response.output_text.delta").Select(e => e.Data.GetProperty("delta").GetString()));
        Assert.Equal(200_000, deltas.Length);
        Assert.Equal(string.Concat(Enumerable.Repeat("tok ", 50_000)), deltas);
        Assert.Equal(deltas, events.Single(e => e.Name == "response.output_text.done").Data.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Streamed_response_cut_at_max_output_tokens_ends_with_response_incomplete()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 2 });
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Responses(Requests.ResponsesBody(inputChars: 400, maxOutputTokens: 5, stream: true)));

        var last = Events(await response.Content.ReadAsStringAsync())[^1];
        Assert.Equal("response.incomplete", last.Name);
        Assert.Equal("max_output_tokens", last.Data.GetProperty("response").GetProperty("incomplete_details").GetProperty("reason").GetString());
        Assert.Equal(5, last.Data.GetProperty("response").GetProperty("usage").GetProperty("output_tokens").GetInt64());
    }

    [Fact]
    public async Task Streamed_response_is_charged_like_a_whole_one()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Responses(Requests.ResponsesBody(inputChars: 40, stream: true)));
        await response.Content.ReadAsStringAsync();

        var counters = up.Counters.Snapshot();
        Assert.Equal(10, counters.PromptTokens);
        Assert.Equal(10, counters.CompletionTokens);
    }

    [Fact]
    public async Task Streamed_response_events_are_flushed_as_they_are_made_not_held_for_the_whole_answer()
    {
        // A gap no test waits out: the first delta can only be read because it was sent before the second exists.
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { StreamChunks = 2, StreamChunkGap = TimeSpan.FromMinutes(10) });
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Responses(Requests.ResponsesBody(stream: true)), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body, Encoding.UTF8);
        var lines = new List<string>();
        while (await reader.ReadLineAsync() is { } line && line != "event: response.output_text.delta") lines.Add(line);

        Assert.Equal("event: response.created", lines[0]);
        Assert.Equal(1, up.Counters.Snapshot().OpenRequests);
    }

    /// <summary>The named events of a server-sent-events body, in order.</summary>
    private static List<(string Name, JsonElement Data)> Events(string body) =>
        body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Trim().Split('\n'))
            .Select(lines => (
                Name: lines.Single(l => l.StartsWith("event: ", StringComparison.Ordinal))["event: ".Length..],
                Data: JsonDocument.Parse(lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..]).RootElement))
            .ToList();
}
