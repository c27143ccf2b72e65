using System.Text;
using Dispatch.Core.Endpoints;

namespace Dispatch.Core.Tests.Endpoints;

public class ServerSentEventsTests
{
    [Theory]
    [InlineData("data: a\n\ndata: b\n\ndata: c", 18)]
    [InlineData("data: a\r\n\r\ndata: b", 11)]
    [InlineData("data: a\ndata: still a\n", 0)]
    public void Complete_events_end_at_the_last_blank_line(string text, int expected) =>
        Assert.Equal(expected, ServerSentEvents.CompleteLength(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void The_next_event_ends_with_its_blank_line()
    {
        var buffer = "data: a\n\ndata: b\n\n"u8;

        Assert.Equal(9, ServerSentEvents.NextEventLength(buffer));
        Assert.Equal(9, ServerSentEvents.NextEventLength(buffer[9..]));
    }

    [Fact]
    public void Usage_is_read_from_a_data_line_whose_json_reports_it()
    {
        Assert.True(ServerSentEvents.TryReadUsage("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}\n\n"u8, out var used));
        Assert.Equal(7, used);
    }

    [Fact]
    public void Usage_is_read_from_the_responses_apis_completed_event()
    {
        var completed = "event: response.completed\n" +
                        "data: {\"type\":\"response.completed\",\"sequence_number\":9,\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\"," +
                        "\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"usage\"}]}]," +
                        "\"usage\":{\"input_tokens\":12,\"output_tokens\":30,\"total_tokens\":42}}}\n\n";

        Assert.True(ServerSentEvents.TryReadUsage(Encoding.UTF8.GetBytes(completed), out var used));
        Assert.Equal(42, used);
    }

    [Theory]
    [InlineData("event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"usage\":null}}\n\n")]
    [InlineData("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"usage\"}\n\n")]
    [InlineData("data: {\"choices\":[{\"delta\":{}}],\"usage\":null}\n\n")]
    [InlineData("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n")]
    [InlineData("data: [DONE]\n\n")]
    [InlineData(": a comment about \"usage\"\n\n")]
    public void An_event_without_a_usage_object_reports_none(string sseEvent) =>
        Assert.False(ServerSentEvents.TryReadUsage(Encoding.UTF8.GetBytes(sseEvent), out _));
}
