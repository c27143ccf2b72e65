using static Dispatch.Hocon.Tests.Support.Hocon;

namespace Dispatch.Hocon.Tests.Parsing;

/// <summary>Line breaks and comments between a key and its '=', ':', '+=' or '{'.</summary>
public class KeySeparatorTests
{
    [Fact]
    public void The_example_from_the_issue_parses_to_the_same_tree_as_its_one_line_form()
    {
        const string split = """
            a
              = 1
            b // comment
              : 2
            c # comment
            { d = 3 }
            e.f
              {
                g = 4
              }
            """;
        const string oneLine = "a = 1\nb : 2\nc { d = 3 }\ne.f { g = 4 }";

        var config = HoconConfig.Parse(split);

        AssertSameJson(HoconConfig.Parse(oneLine).ToJson(), config);
        AssertSameJson("""{"a":1,"b":2,"c":{"d":3},"e":{"f":{"g":4}}}""", config);
    }

    [Theory]
    [InlineData("a\n= 1", "a = 1")]
    [InlineData("a\n: 1", "a : 1")]
    [InlineData("a\n  =\n  1", "a = 1")]
    [InlineData("a // comment\n= 1", "a = 1")]
    [InlineData("a // comment\n: 1", "a : 1")]
    [InlineData("a # comment\n= 1", "a = 1")]
    [InlineData("a # comment\n: 1", "a : 1")]
    [InlineData("a\r\n= 1", "a = 1")]
    [InlineData("a\n\n# a comment line\n// and another\n\n= 1", "a = 1")]
    [InlineData("\"quoted key\"\n= 1", "\"quoted key\" = 1")]
    [InlineData("a b c\n= hello world", "a b c = hello world")]
    public void A_line_break_or_comment_between_a_key_and_equals_or_colon_is_ignored(string split, string oneLine)
    {
        var config = HoconConfig.Parse(split);

        AssertSameJson(HoconConfig.Parse(oneLine).ToJson(), config);
    }

    [Theory]
    [InlineData("a\n{ x = 1 }", "a { x = 1 }")]
    [InlineData("a // comment\n{ x = 1 }", "a { x = 1 }")]
    [InlineData("a # comment\n{ x = 1 }", "a { x = 1 }")]
    [InlineData("a\n= { x = 1 }", "a = { x = 1 }")]
    [InlineData("a\n{ x = 1 } { y = 2 }", "a { x = 1 } { y = 2 }")]
    public void A_line_break_or_comment_between_a_key_and_its_object_is_ignored(string split, string oneLine)
    {
        var config = HoconConfig.Parse(split);

        AssertSameJson(HoconConfig.Parse(oneLine).ToJson(), config);
    }

    [Theory]
    [InlineData("a = [1]\na\n+= 2", "a = [1]\na += 2")]
    [InlineData("a = [1]\na // comment\n+= 2", "a = [1]\na += 2")]
    [InlineData("a = [1]\na # comment\n+= 2", "a = [1]\na += 2")]
    public void A_line_break_or_comment_between_a_key_and_plus_equals_is_ignored(string split, string oneLine)
    {
        var config = HoconConfig.Parse(split);

        AssertSameJson(HoconConfig.Parse(oneLine).ToJson(), config);
    }

    [Theory]
    [InlineData("a.b.c\n= 1", "a.b.c = 1")]
    [InlineData("a.b // comment\n{ c = 1 }", "a.b { c = 1 }")]
    [InlineData("\"x.y\".z # comment\n: 1", "\"x.y\".z : 1")]
    [InlineData("outer {\n  inner.leaf\n    = 1\n  other\n    { x = 2 }\n}", "outer { inner.leaf = 1, other { x = 2 } }")]
    public void Path_keys_and_keys_in_nested_objects_may_have_their_separator_on_a_later_line(string split, string oneLine)
    {
        var config = HoconConfig.Parse(split);

        AssertSameJson(HoconConfig.Parse(oneLine).ToJson(), config);
    }

    [Fact]
    public void Keys_inside_an_object_in_an_array_may_have_their_separator_on_a_later_line()
    {
        var config = HoconConfig.Parse("a = [\n  { x\n    = 1 }\n  { y\n    : 2 }\n]");

        AssertSameJson("""{"a":[{"x":1},{"y":2}]}""", config);
    }

    [Fact]
    public void Json_with_a_line_break_before_the_colon_parses_as_json_would()
    {
        var config = HoconConfig.Parse("{\n  \"a\"\n    : 1,\n  \"b\"\n    :\n    [1, 2]\n}");

        AssertSameJson("""{"a":1,"b":[1,2]}""", config);
    }

    [Fact]
    public void An_object_after_a_separated_key_keeps_its_newline_separated_fields_and_arrays()
    {
        var config = HoconConfig.Parse("a\n{\n  x = 1\n  y = [\n    1\n    2\n  ]\n}\nb = 3");

        AssertSameJson("""{"a":{"x":1,"y":[1,2]},"b":3}""", config);
    }

    [Fact]
    public void A_self_reference_works_when_the_separator_is_on_a_later_line()
    {
        var config = HoconConfig.Parse("path = /bin\npath\n  = ${path}\":/usr/bin\"");

        Assert.Equal("/bin:/usr/bin", config.GetString("path"));
    }

    [Fact]
    public void A_value_after_a_separated_key_keeps_the_origin_where_it_is_written()
    {
        var config = HoconConfig.Parse("a // comment\n  = 1", "app.conf");

        Assert.Equal(new HoconOrigin("app.conf", 2, 5), config.GetValue("a").Origin);
    }

    [Fact]
    public void A_quoted_include_key_may_have_its_separator_on_a_later_line()
    {
        var config = HoconConfig.Parse("\"include\"\n= 1");

        Assert.Equal(1, config.GetInt("\"include\""));
    }
}
