using Dispatch.Cli.Run;

namespace Dispatch.Cli.Tests.Run;

public sealed class InputLineTests
{
    [Fact]
    public void A_cookbook_line_is_sent_without_its_metadata_which_is_echoed()
    {
        var line = InputLine.Parse(3, """{"model":"m","messages":[],"metadata":{"row":1}}""");

        Assert.Equal("line:3", line.Id);
        Assert.Equal("""{"model":"m","messages":[]}""", line.Payload);
        Assert.Equal(1, line.Metadata!["row"]!.GetValue<int>());
        Assert.Null(line.Error);
    }

    [Fact]
    public void An_envelope_gives_its_id_endpoint_tokens_and_body()
    {
        var line = InputLine.Parse(9, """{"id":"a-1","endpoint":"chat","tokens":12,"metadata":"m","body":{"x":1}}""");

        Assert.Equal(("a-1", "chat", 12, """{"x":1}"""), (line.Id, line.Endpoint, line.Tokens, line.Payload));
        Assert.Equal("m", line.Metadata!.GetValue<string>());
    }

    [Fact]
    public void An_envelope_without_an_id_gets_its_line_id()
    {
        Assert.Equal("line:42", InputLine.Parse(42, """{"body":{"x":1}}""").Id);
    }

    [Fact]
    public void A_numeric_id_is_its_digits_and_never_a_line_id()
    {
        Assert.Equal("42", InputLine.Parse(7, """{"id":42,"body":{"x":1}}""").Id);
    }

    [Fact]
    public void An_explicit_id_in_the_line_id_space_is_refused_and_the_line_keeps_its_own_line_id()
    {
        var line = InputLine.Parse(7, """{"id":"line:3","body":{"x":1}}""");

        Assert.Equal("line:7", line.Id);
        Assert.Equal("line 7: the id 'line:3' starts with 'line:', which is reserved for the ids of lines without one", line.Error);
        Assert.Null(line.Payload);
    }

    [Fact]
    public void A_line_that_cannot_be_parsed_gets_its_line_id()
    {
        Assert.Equal("line:5", InputLine.Parse(5, "{not json").Id);
    }

    [Fact]
    public void A_body_with_a_field_named_like_the_envelope_is_still_a_body()
    {
        var line = InputLine.Parse(1, """{"body":"text","model":"m"}""");

        Assert.Equal("""{"body":"text","model":"m"}""", line.Payload);
    }

    [Fact]
    public void A_line_that_is_not_json_says_line_and_column_once_without_the_parsers_zero_based_position()
    {
        var line = InputLine.Parse(5, "{not json");

        Assert.Equal("line 5, column 2: not valid JSON: 'n' is an invalid start of a property name. Expected a '\"'.", line.Error);
    }

    [Fact]
    public void The_column_counts_characters_not_utf8_bytes()
    {
        var line = InputLine.Parse(1, """{"é": x}""");

        Assert.StartsWith("line 1, column 7: not valid JSON: ", line.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json", "line 5, column 2: not valid JSON")]
    [InlineData("[1,2]", "line 5: must be a JSON object")]
    [InlineData("""{"id":{},"body":{}}""", "line 5: 'id' must be")]
    [InlineData("""{"tokens":-1,"body":{}}""", "line 5: 'tokens' must be")]
    public void A_malformed_line_is_reported_with_its_line_number(string text, string expected)
    {
        var line = InputLine.Parse(5, text);

        Assert.StartsWith(expected, line.Error);
        Assert.Null(line.Payload);
    }
}
