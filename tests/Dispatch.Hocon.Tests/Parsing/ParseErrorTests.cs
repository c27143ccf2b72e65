namespace Dispatch.Hocon.Tests.Parsing;

public class ParseErrorTests
{
    private static HoconParseException Fails(string text) =>
        Assert.Throws<HoconParseException>(() => HoconConfig.Parse(text, "bad.conf"));

    [Fact]
    public void An_unterminated_string_names_where_it_starts()
    {
        var error = Fails("a = 1\nb = 2\nc = x \"oops\nd = 4");
        Assert.Equal("bad.conf", error.File);
        Assert.Equal(3, error.Line);
        Assert.Equal(7, error.Column);
        Assert.Contains("unterminated string starting at 3:7", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("bad.conf:3:7: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a = \"\"\"never closed", 1, 5, "unterminated triple-quoted string")]
    [InlineData("a = ${b", 1, 5, "unterminated substitution")]
    [InlineData("a = ${}", 1, 5, "empty substitution")]
    [InlineData("a = ${b.}", 1, 5, "ends with '.'")]
    [InlineData("a = ${.b}", 1, 7, "empty path segment")]
    [InlineData("a = ${b^}", 1, 8, "not allowed in a substitution")]
    [InlineData("a = \"\\x\"", 1, 6, "invalid escape")]
    [InlineData("a = \"\\u12g4\"", 1, 6, "four hex digits")]
    [InlineData("a = \"\\", 1, 6, "escape character")]
    [InlineData("a = 1 + 2", 1, 7, "'+='")]
    [InlineData("a = $x", 1, 5, "substitution")]
    [InlineData("a = foo^bar", 1, 8, "reserved character '^'")]
    [InlineData("a = http://x", 1, 9, "expected ',' or a new line")]
    [InlineData("a { b = 1", 1, 10, "expected '}' to close the object opened at 1:3")]
    [InlineData("a = [1, 2", 1, 10, "expected ']' to close the array opened at 1:5")]
    [InlineData("a = [1,, 2]", 1, 8, "expected an array element")]
    [InlineData("a = [1 2 ]\nb = [1 {}]", 2, 8, "cannot concatenate")]
    [InlineData("a = 1,, b = 2", 1, 7, "unexpected ','")]
    [InlineData(", a = 1", 1, 1, "unexpected ','")]
    [InlineData("a = 1 }", 1, 7, "no matching '{'")]
    [InlineData("}", 1, 1, "no matching '{'")]
    [InlineData("a = ", 1, 5, "expected a value after '='")]
    [InlineData("a", 1, 2, "expected '=', ':', '+=' or '{' after the key 'a'")]
    [InlineData("a b", 1, 4, "after the key")]
    [InlineData("a..b = 1", 1, 1, "empty path segment")]
    [InlineData(".a = 1", 1, 1, "empty path segment")]
    [InlineData("a. = 1", 1, 3, "may not end with '.'")]
    [InlineData("${a} = 1", 1, 1, "not allowed in keys")]
    [InlineData("= 1", 1, 1, "expected a key")]
    [InlineData("[1, 2]", 1, 1, "must be an object")]
    [InlineData("{ a = 1 } b = 2", 1, 11, "end of the document")]
    [InlineData("a = { x = 1 } [1]", 1, 15, "only be concatenated with objects")]
    [InlineData("include url(\"http://x\")", 1, 1, "url() includes are not supported")]
    [InlineData("include foo(\"x\")", 1, 1, "expected include")]
    [InlineData("include file(\"x\"", 1, 14, "closing ')'")]
    [InlineData("include \"x\" )", 1, 9, "unexpected ')'")]
    [InlineData("include file( 5 )", 1, 15, "quoted file name")]
    public void Every_syntax_error_names_its_line_column_and_what_was_expected(string text, int line, int column, string expected)
    {
        var error = Fails(text);
        Assert.Contains(expected, error.Reason, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Equal($"bad.conf:{line}:{column}: {error.Reason}", error.Message);
    }

    [Theory]
    [InlineData("a\nb = 1", 1, 1, "'a'", "found 'b' at 2:1")]
    [InlineData("{\n  a\n  b = 1\n}", 2, 3, "'a'", "found 'b' at 3:3")]
    [InlineData("{\n  a\n}", 2, 3, "'a'", "found '}' at 3:1")]
    [InlineData("a = 1, b\n}", 1, 8, "'b'", "found '}' at 2:1")]
    [InlineData("a\n", 1, 1, "'a'", "found end of input at 2:1")]
    [InlineData("a // comment\n", 1, 1, "'a'", "found end of input at 2:1")]
    [InlineData("a # comment\n\nb = 1", 1, 1, "'a'", "found 'b' at 3:1")]
    [InlineData("a\n1", 1, 1, "'a'", "found '1' at 2:1")]
    [InlineData("x {\n  a.b\n  c = 1\n}", 2, 3, "'a.b'", "found 'c' at 3:3")]
    [InlineData("a = [ { x\n} ]", 1, 9, "'x'", "found '}' at 2:1")]
    public void A_key_whose_line_ends_without_a_value_is_an_error_at_the_key(string text, int line, int column, string key, string found)
    {
        var error = Fails(text);

        Assert.StartsWith($"the key {key} has no value; expected '=', ':', '+=' or '{{' after it, ", error.Reason, StringComparison.Ordinal);
        Assert.EndsWith(found, error.Reason, StringComparison.Ordinal);
        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Equal($"bad.conf:{line}:{column}: {error.Reason}", error.Message);
    }

    [Fact]
    public void A_key_left_without_a_value_before_a_closing_brace_has_a_complete_message()
    {
        var error = Fails("server {\n  port = 80\n  host\n}");

        Assert.Equal("bad.conf:3:3: the key 'host' has no value; expected '=', ':', '+=' or '{' after it, found '}' at 4:1", error.Message);
    }

    [Fact]
    public void A_key_at_the_end_of_input_on_its_own_line_still_points_just_after_it()
    {
        var error = Fails("a = 1\nb");

        Assert.Equal("bad.conf:2:2: expected '=', ':', '+=' or '{' after the key 'b', found end of input", error.Message);
    }

    [Fact]
    public void Something_other_than_a_separator_on_a_later_line_is_still_an_error()
    {
        var error = Fails("a\n  [1, 2]");

        Assert.Equal("bad.conf:1:1: the key 'a' has no value; expected '=', ':', '+=' or '{' after it, found '[' at 2:3", error.Message);
    }

    [Fact]
    public void Deep_nesting_is_a_parse_error_not_a_stack_overflow()
    {
        var deep = new string('[', 100_000);
        var error = Fails("a = " + deep);
        Assert.Contains("nesting is deeper than", error.Reason, StringComparison.Ordinal);
        Fails("a " + string.Concat(Enumerable.Repeat("{ b ", 100_000)));
        Fails(string.Join('.', Enumerable.Repeat("k", 100_000)) + " = 1");
    }

    [Fact]
    public void Nesting_within_the_limit_parses()
    {
        var config = HoconConfig.Parse("a = " + new string('[', 100) + new string(']', 100));
        Assert.Contains("[[[", config.ToJson(), StringComparison.Ordinal);
    }
}
