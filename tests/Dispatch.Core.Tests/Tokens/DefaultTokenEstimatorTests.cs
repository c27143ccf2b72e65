using Dispatch.Core.Protocol;
using Dispatch.Core.Tokens;

namespace Dispatch.Core.Tests.Tokens;

public class DefaultTokenEstimatorTests
{
    private readonly DefaultTokenEstimator _estimator = new(new TokenEstimationOptions { CharsPerToken = 4, DefaultMaxTokens = 100 });

    private static string Text(int chars) => new('a', chars);

    [Fact]
    public void Required_tokens_given_by_the_caller_win_over_the_payload()
    {
        var call = new APICalling("c", "e", "not even json") { RequiredTokens = 77 };

        Assert.Equal(TokenEstimate.Of(77), _estimator.Estimate(call));
    }

    [Fact]
    public void Chat_messages_count_their_text_plus_max_tokens_times_n()
    {
        var payload = $$"""{"messages":[{"role":"system","content":"{{Text(40)}}"},{"role":"user","content":"{{Text(20)}}"}],"max_tokens":50,"n":2}""";

        Assert.Equal(15 + 100, _estimator.Estimate(payload).Tokens);
    }

    [Fact]
    public void Content_part_arrays_count_only_their_text_parts()
    {
        var payload = $$$"""{"messages":[{"role":"user","content":[{"type":"text","text":"{{{Text(8)}}}"},{"type":"image_url","image_url":{"url":"{{{Text(400)}}}"}}]}],"max_tokens":0}""";

        Assert.Equal(2, _estimator.Estimate(payload).Tokens);
    }

    [Fact]
    public void Max_completion_tokens_is_read_like_max_tokens()
    {
        var payload = """{"messages":[],"max_completion_tokens":33}""";

        Assert.Equal(33, _estimator.Estimate(payload).Tokens);
    }

    [Fact]
    public void A_chat_payload_without_max_tokens_reserves_the_configured_default()
    {
        var payload = $$"""{"messages":[{"role":"user","content":"{{Text(4)}}"}]}""";

        Assert.Equal(1 + 100, _estimator.Estimate(payload).Tokens);
    }

    [Fact]
    public void Partial_tokens_round_up()
    {
        var payload = $$"""{"prompt":"{{Text(5)}}","max_tokens":0}""";

        Assert.Equal(2, _estimator.Estimate(payload).Tokens);
    }

    [Fact]
    public void An_embeddings_input_reserves_no_completion()
    {
        var payload = $$"""{"input":["{{Text(8)}}","{{Text(4)}}"]}""";

        Assert.Equal(3, _estimator.Estimate(payload).Tokens);
    }

    [Fact]
    public void A_plain_input_sent_to_the_responses_api_reserves_the_default_completion()
    {
        var estimator = new DefaultTokenEstimator(new TokenEstimationOptions { CharsPerToken = 4, DefaultMaxTokens = 100 }, "/v1/responses");
        var payload = $$"""{"model":"gpt-4o","input":"{{Text(8)}}"}""";

        Assert.Equal(2 + 100, estimator.Estimate(payload).Tokens);
        Assert.Equal(2, _estimator.Estimate(payload).Tokens);
    }

    [Theory]
    [InlineData("/responses")]
    [InlineData("/openai/v1/responses?api-version=preview")]
    [InlineData("/v1/responses/")]
    public void A_call_to_a_responses_path_is_estimated_as_a_responses_request(string path)
    {
        var call = new APICalling("c", "e", $$"""{"input":"{{Text(4)}}"}""") { Path = path };

        Assert.Equal(1 + 100, _estimator.Estimate(call).Tokens);
        Assert.Equal(1, _estimator.Estimate(call with { Path = "/v1/embeddings" }).Tokens);
    }

    [Fact]
    public void A_responses_request_counts_instructions_and_input_items_plus_max_output_tokens()
    {
        var payload = $$$"""
            {"instructions":"{{{Text(8)}}}","max_output_tokens":50,"input":[
              {"role":"user","content":"{{{Text(4)}}}"},
              {"type":"message","role":"user","content":[{"type":"input_text","text":"{{{Text(8)}}}"},{"type":"input_image","image_url":"{{{Text(400)}}}"}]},
              {"type":"function_call","call_id":"x","name":"f","arguments":"{{{Text(4)}}}"},
              {"type":"function_call_output","call_id":"x","output":"{{{Text(8)}}}"}]}
            """;

        Assert.Equal((8 + 4 + 8 + 4 + 8) / 4 + 50, _estimator.Estimate(payload).Tokens);
    }

    [Fact]
    public void A_responses_request_without_max_output_tokens_reserves_the_default_completion()
    {
        var payload = $$"""{"input":[{"role":"user","content":"{{Text(4)}}"}]}""";

        Assert.Equal(1 + 100, _estimator.Estimate(payload).Tokens);
    }

    [Fact]
    public void Token_id_inputs_count_one_token_per_id()
    {
        Assert.Equal(4, _estimator.Estimate("""{"input":[[1,2],[3,4]]}""").Tokens);
    }

    [Fact]
    public void An_unknown_payload_shape_counts_no_prompt()
    {
        Assert.Equal(TokenEstimate.Of(0), _estimator.Estimate("""{"query":"anything"}"""));
    }

    [Theory]
    [InlineData("""{"messages": [}""", "line 1, column 15")]
    [InlineData("{\"é\": [}", "line 1, column 8")]  // columns count characters, not the parser's bytes (9)
    [InlineData("{\"a\":\n [}", "line 2, column 3")]
    public void Invalid_json_is_an_error_saying_where_by_line_and_column_and_why(string payload, string where)
    {
        var estimate = _estimator.Estimate(payload);

        Assert.False(estimate.IsValid);
        Assert.Equal($"the payload is not valid JSON at {where}: '}}' is an invalid start of a value.", estimate.Error);
    }

    [Theory]
    [InlineData("[1,2,3]", "the payload must be a JSON object (was Array)")]
    [InlineData("""{"messages":"hi"}""", "'messages' must be an array")]
    [InlineData("""{"messages":[{"content":42}]}""", "'messages[0].content' must be a string or an array of content parts (was Number)")]
    [InlineData("""{"messages":[],"max_tokens":-1}""", "'max_tokens' must be a whole number >= 0")]
    [InlineData("""{"messages":[],"n":0}""", "'n' must be a whole number >= 1")]
    [InlineData("""{"input":"hi","max_output_tokens":"many"}""", "'max_output_tokens' must be a whole number >= 0")]
    public void A_malformed_payload_is_an_error_naming_the_field(string payload, string error)
    {
        Assert.Equal(TokenEstimate.Invalid(error), _estimator.Estimate(payload));
    }

    [Fact]
    public void Negative_required_tokens_are_an_error()
    {
        var call = new APICalling("c", "e", "{}") { RequiredTokens = -1 };

        Assert.False(_estimator.Estimate(call).IsValid);
    }
}
