using System.Text.Json;
using Dispatch.Core.Errors;

namespace Dispatch.Core.Tests.Errors;

public class JsonErrorsTests
{
    private static JsonException Failure(string text) => Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(text).Dispose());

    [Fact]
    public void A_parse_error_says_line_and_column_from_1_once_without_the_parsers_own_position()
    {
        const string text = """{"a": tru}""";

        Assert.Equal("line 1, column 10: 'tru}' is an invalid JSON literal. Expected the literal 'true'.", JsonErrors.Describe(Failure(text), text));
    }

    [Fact]
    public void The_column_counts_characters_on_the_failing_line_not_utf8_bytes()
    {
        const string text = "{\n  \"é\": x\n}";

        Assert.Equal((2L, 8L), JsonErrors.Position(Failure(text), text));
    }
}
