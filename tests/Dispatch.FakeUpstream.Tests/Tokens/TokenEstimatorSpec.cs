using System.Text;
using Dispatch.FakeUpstream.Tokens;

namespace Dispatch.FakeUpstream.Tests.Tokens;

public sealed class TokenEstimatorSpec
{
    private static ChatRequestSummary Read(string json) => TokenEstimator.ReadChat(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(4, 1)]
    [InlineData(5, 2)]
    [InlineData(400, 100)]
    public void Prompt_tokens_are_characters_divided_by_four_rounded_up(long chars, long tokens)
    {
        Assert.Equal(tokens, TokenEstimator.TokensForChars(chars));
    }

    [Fact]
    public void Message_contents_count_as_strings_and_text_parts_with_escapes_decoded()
    {
        var chat = Read("""
            {"messages":[
              {"role":"system","content":"abc\n\u00e9"},
              {"role":"user","content":[{"type":"text","text":"héllo"},{"type":"image_url","image_url":{"url":"http://x"}}]},
              {"role":"assistant","content":null,"tool_calls":[]}
            ]}
            """);

        Assert.Equal(10, chat.PromptChars);
        Assert.Equal(3, chat.PromptTokens);
    }

    [Fact]
    public void Max_completion_tokens_wins_over_max_tokens_and_a_default_applies_without_either()
    {
        Assert.Equal(7, Read("""{"messages":[],"max_tokens":100,"max_completion_tokens":7}""").MaxTokens);
        Assert.Equal(100, Read("""{"messages":[],"max_tokens":100}""").MaxTokens);
        Assert.Equal(TokenEstimator.DefaultMaxTokens, Read("""{"messages":[]}""").MaxTokens);
    }

    [Fact]
    public void Completion_is_as_long_as_the_prompt_capped_by_max_tokens_for_each_choice()
    {
        var chat = Read("""{"model":"m","messages":[{"role":"user","content":"12345678"}],"max_tokens":50,"n":3}""");

        Assert.Equal("m", chat.Model);
        Assert.Equal(2, chat.PromptTokens);
        Assert.Equal(2, chat.CompletionTokensPerChoice);
        Assert.Equal(6, chat.CompletionTokens);
        Assert.Equal(8, chat.TotalTokens);
        Assert.Equal(152, chat.ReservedTokens);
        Assert.Equal("stop", chat.FinishReason);
    }

    [Fact]
    public void Empty_prompt_still_answers_one_token()
    {
        var chat = Read("""{"messages":[],"max_tokens":5}""");

        Assert.Equal(1, chat.CompletionTokens);
        Assert.Equal(1, chat.TotalTokens);
    }

    [Theory]
    [InlineData("{\"messages\":[]} trailing")]
    [InlineData("{\"messages\":[\"text\"]}")]
    [InlineData("{\"messages\":[{\"content\":5}]}")]
    [InlineData("{\"messages\":[],\"n\":200}")]
    [InlineData("{\"messages\":[],\"max_tokens\":1.5}")]
    public void Invalid_chat_requests_are_refused_with_a_reason(string json)
    {
        Assert.False(TokenEstimator.TryReadChat(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Throws<FormatException>(() => Read(json));
    }
}
