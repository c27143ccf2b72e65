using Dispatch.Core.Errors;

namespace Dispatch.Core.Tests.Errors;

public class UsageParserTests
{
    [Fact]
    public void Total_tokens_are_read_from_the_usage_object()
    {
        const string body = """{"id":"x","choices":[{"message":{"content":"{\"usage\":{\"total_tokens\":1}}"}}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}""";

        Assert.True(UsageParser.TryReadTotalTokens(body, out var total));
        Assert.Equal(15, total);
    }

    [Fact]
    public void Without_total_tokens_prompt_and_completion_tokens_are_added()
    {
        Assert.True(UsageParser.TryReadTotalTokens("""{"usage":{"prompt_tokens":10,"completion_tokens":5}}""", out var total));
        Assert.Equal(15, total);
    }

    [Fact]
    public void A_usage_property_nested_below_the_top_level_is_not_mistaken_for_the_usage()
    {
        Assert.False(UsageParser.TryReadTotalTokens("""{"data":{"usage":{"total_tokens":99}}}""", out _));
    }

    [Fact]
    public void A_body_without_usage_of_its_own_reads_that_of_its_response_object_but_no_deeper()
    {
        Assert.True(UsageParser.TryReadTotalTokens("""{"type":"response.completed","response":{"id":"r","output":[{"usage":{"total_tokens":1}}],"usage":{"input_tokens":7,"output_tokens":5,"total_tokens":12}}}""", out var total));
        Assert.Equal(12, total);
        Assert.False(UsageParser.TryReadTotalTokens("""{"type":"response.created","response":{"usage":null}}""", out _));
        Assert.False(UsageParser.TryReadTotalTokens("""{"response":{"response":{"usage":{"total_tokens":99}}}}""", out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""{"usage":""")]
    [InlineData("[1,2]")]
    [InlineData("""{"usage":{"total_tokens":"many"}}""")]
    public void A_body_without_readable_usage_reports_none(string body)
    {
        Assert.False(UsageParser.TryReadTotalTokens(body, out _));
    }
}
