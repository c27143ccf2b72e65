using Dispatch.Hocon.Model;
using static Dispatch.Hocon.Tests.Support.Hocon;

namespace Dispatch.Hocon.Tests.Parsing;

public class SyntaxTests
{
    [Fact]
    public void Plain_json_parses_to_the_same_json()
    {
        const string json = """{"a":1,"b":"two","c":[true,false,null],"d":{"e":-1.5e3},"f":""}""";
        AssertParsesTo(json, json);
    }

    [Fact]
    public void Hash_and_double_slash_comments_are_ignored()
    {
        AssertParsesTo("""{"a":1,"b":2}""", """
            # a comment
            a = 1 // trailing comment
            // another
            b = 2 # and another
            """);
    }

    [Fact]
    public void Root_braces_are_optional()
    {
        AssertParsesTo("""{"a":1}""", "a = 1");
        AssertParsesTo("""{"a":1}""", "{ a = 1 }");
    }

    [Fact]
    public void Equals_colon_or_nothing_may_separate_a_key_from_an_object()
    {
        AssertParsesTo("""{"a":{"x":1},"b":{"x":2},"c":{"x":3}}""", "a = { x = 1 }\nb : { x = 2 }\nc { x = 3 }");
    }

    [Fact]
    public void Commas_are_optional_between_fields_and_array_elements_on_separate_lines()
    {
        AssertParsesTo("""{"a":1,"b":[1,2,3],"c":2}""", "a = 1\nb = [\n 1\n 2,\n 3,\n]\nc = 2,");
    }

    [Fact]
    public void A_trailing_comma_is_allowed_in_objects_and_arrays()
    {
        AssertParsesTo("""{"a":{"x":1},"b":[1]}""", "a { x = 1, }\nb = [1,]");
    }

    [Fact]
    public void Unquoted_strings_are_strings_and_keep_inner_spaces()
    {
        AssertParsesTo("""{"a":"hello world","b":"gpt-4o-mini","c":"1.2.3"}""", "a = hello world\nb = gpt-4o-mini\nc = 1.2.3");
    }

    [Fact]
    public void Quoted_strings_understand_json_escapes()
    {
        var config = HoconConfig.Parse("""a = "tab\there \"q\" \\ \/ \u00e9 \n end" """);
        Assert.Equal("tab\there \"q\" \\ / é \n end", config.GetString("a"));
    }

    [Fact]
    public void Triple_quoted_strings_span_lines_and_keep_everything_raw()
    {
        var config = HoconConfig.Parse("a = \"\"\"line one\n  \"quoted\" \\n raw\nline three\"\"\"");
        Assert.Equal("line one\n  \"quoted\" \\n raw\nline three", config.GetString("a"));
    }

    [Fact]
    public void Extra_quotes_before_the_closing_triple_quote_belong_to_the_string()
    {
        Assert.Equal("x\"\"", HoconConfig.Parse("a = \"\"\"x\"\"\"\"\"").GetString("a"));
    }

    [Fact]
    public void Values_on_one_line_concatenate_into_a_string_with_their_spaces()
    {
        AssertParsesTo("""{"a":"foo bar  baz","b":"10 seconds","c":"ab"}""", "a = foo bar  \"baz\"\nb = 10 seconds\nc = \"a\"\"b\"");
    }

    [Fact]
    public void Arrays_concatenate_with_arrays()
    {
        AssertParsesTo("""{"a":[1,2,3,4]}""", "a = [1, 2] [3] [4]");
    }

    [Fact]
    public void Objects_concatenate_by_merging()
    {
        AssertParsesTo("""{"a":{"x":1,"y":3,"z":4}}""", "a = { x = 1, y = 2 } { y = 3 } { z = 4 }");
    }

    [Fact]
    public void An_object_concatenated_with_a_string_is_a_parse_error()
    {
        var error = Assert.Throws<HoconParseException>(() => HoconConfig.Parse("a = { x = 1 } foo"));
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void A_string_concatenated_with_an_array_is_a_parse_error()
    {
        var error = Assert.Throws<HoconParseException>(() => HoconConfig.Parse("a = foo [1]"));
        Assert.Contains("cannot concatenate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Path_keys_create_nested_objects()
    {
        AssertParsesTo("""{"a":{"b":{"c":1,"d":2}}}""", "a.b.c = 1\na.b.d = 2");
    }

    [Fact]
    public void Quoted_key_segments_keep_their_dots()
    {
        var config = HoconConfig.Parse("\"a.b\".c = 1\n\"x\" = 2");
        Assert.Equal(1, config.GetInt("\"a.b\".c"));
        Assert.True(config.Root.ContainsKey("a.b"));
        Assert.Equal(2, config.GetInt("x"));
    }

    [Fact]
    public void Keys_with_spaces_between_parts_keep_them()
    {
        Assert.True(HoconConfig.Parse("a b c = 1").Root.ContainsKey("a b c"));
    }

    [Fact]
    public void Duplicate_object_keys_merge_and_later_scalars_win()
    {
        AssertParsesTo("""{"a":{"x":1,"y":3,"z":4},"b":2}""", "a { x = 1, y = 2 }\nb = 1\na { y = 3 }\na.z = 4\nb = 2");
    }

    [Fact]
    public void A_later_scalar_replaces_an_object_and_a_later_object_replaces_a_scalar()
    {
        AssertParsesTo("""{"a":5,"b":{"y":1}}""", "a { x = 1 }\na = 5\nb = 5\nb { y = 1 }");
    }

    [Fact]
    public void Plus_equals_appends_to_an_array()
    {
        AssertParsesTo("""{"a":[1,2,3],"b":["x"]}""", "a = [1]\na += 2\na += 3\nb += x");
    }

    [Fact]
    public void Numbers_booleans_and_null_keep_their_types()
    {
        var root = HoconConfig.Parse("a = 42\nb = -0.5\nc = true\nd = false\ne = null\nf = \"42\"").Root;
        Assert.Equal(HoconValueKind.Number, root["a"].Kind);
        Assert.Equal(HoconValueKind.Number, root["b"].Kind);
        Assert.Equal(HoconValueKind.Boolean, root["c"].Kind);
        Assert.Equal(HoconValueKind.Boolean, root["d"].Kind);
        Assert.Equal(HoconValueKind.Null, root["e"].Kind);
        Assert.Equal(HoconValueKind.String, root["f"].Kind);
    }

    [Fact]
    public void A_value_may_start_on_the_line_after_the_separator()
    {
        AssertParsesTo("""{"a":1}""", "a =\n  1");
    }

    [Fact]
    public void Values_keep_their_origin()
    {
        var config = HoconConfig.Parse("\n  a {\n    b = 1\n  }", "app.conf");
        var value = config.GetValue("a.b");
        Assert.Equal(new HoconOrigin("app.conf", 3, 9), value.Origin);
    }

    [Fact]
    public void Empty_document_is_an_empty_object()
    {
        Assert.True(HoconConfig.Parse("  \n# nothing\n").IsEmpty);
        Assert.Equal("{}", HoconConfig.Parse("").ToJson());
    }

    [Fact]
    public void To_json_can_indent()
    {
        var json = HoconConfig.Parse("a.b = 1").ToJson(indented: true);
        Assert.Contains("\n", json, StringComparison.Ordinal);
        Assert.Equal(json, HoconConfig.Parse("a.b = 1").ToString());
    }
}
