using Dispatch.Hocon.Tests.Support;
using static Dispatch.Hocon.Tests.Support.Hocon;

namespace Dispatch.Hocon.Tests.Parsing;

public sealed class IncludeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Include_merges_a_file_relative_to_the_including_file()
    {
        _folder.Write("conf/base.conf", "a = 1\nshared { x = 1 }");
        var main = _folder.Write("conf/main.conf", "include \"base.conf\"\nb = 2\nshared { y = 2 }");
        AssertSameJson("""{"a":1,"shared":{"x":1,"y":2},"b":2}""", HoconConfig.Load(main));
    }

    [Fact]
    public void Include_file_and_required_file_forms_are_understood()
    {
        _folder.Write("one.conf", "one = 1");
        _folder.Write("two.conf", "two = 2");
        _folder.Write("three.conf", "three = 3");
        var main = _folder.Write("main.conf", "include file(\"one.conf\")\ninclude required(file(\"two.conf\"))\ninclude required(\"three.conf\")");
        AssertSameJson("""{"one":1,"two":2,"three":3}""", HoconConfig.Load(main));
    }

    [Fact]
    public void Includes_nest_relative_to_each_file()
    {
        _folder.Write("a/b/leaf.conf", "leaf = true");
        _folder.Write("a/middle.conf", "include \"b/leaf.conf\"\nmiddle = true");
        var main = _folder.Write("main.conf", "include \"a/middle.conf\"");
        AssertSameJson("""{"leaf":true,"middle":true}""", HoconConfig.Load(main));
    }

    [Fact]
    public void Later_fields_override_included_ones_and_included_ones_override_earlier_fields()
    {
        _folder.Write("inc.conf", "a = included\nb = included");
        var main = _folder.Write("main.conf", "a = before\ninclude \"inc.conf\"\nb = after");
        AssertSameJson("""{"a":"included","b":"after"}""", HoconConfig.Load(main));
    }

    [Fact]
    public void An_include_inside_an_object_lands_in_that_object_and_its_substitutions_look_there_first()
    {
        _folder.Write("endpoint.conf", "host = example.com\nurl = \"https://\"${host}\ntimeout = ${default-timeout}");
        var main = _folder.Write("main.conf", "default-timeout = 30s\nendpoints.openai { include \"endpoint.conf\" }");
        AssertSameJson(
            """{"default-timeout":"30s","endpoints":{"openai":{"host":"example.com","url":"https://example.com","timeout":"30s"}}}""",
            HoconConfig.Load(main));
    }

    [Fact]
    public void A_missing_optional_include_is_ignored()
    {
        var main = _folder.Write("main.conf", "include \"nope.conf\"\ninclude file(\"nope2.conf\")\na = 1");
        AssertSameJson("""{"a":1}""", HoconConfig.Load(main));
    }

    [Fact]
    public void A_missing_required_include_is_an_error_with_its_location()
    {
        var main = _folder.Write("main.conf", "a = 1\ninclude required(file(\"nope.conf\"))");
        var error = Assert.Throws<HoconParseException>(() => HoconConfig.Load(main));
        Assert.Equal(main, error.File);
        Assert.Equal((2, 23), (error.Line, error.Column));
        Assert.Contains("required include \"nope.conf\" was not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_include_without_extension_finds_the_conf_file()
    {
        _folder.Write("defaults.conf", "d = 1");
        var main = _folder.Write("main.conf", "include \"defaults\"");
        Assert.Equal(1, HoconConfig.Load(main).GetInt("d"));
    }

    [Fact]
    public void An_include_without_extension_loads_json_then_conf()
    {
        _folder.Write("both.json", "{ \"a\": 1, \"b\": 1 }");
        _folder.Write("both.conf", "b = 2");
        var main = _folder.Write("main.conf", "include\n  \"both\"");
        AssertSameJson("""{"a":1,"b":2}""", HoconConfig.Load(main));
    }

    [Fact]
    public void An_unquoted_include_at_the_start_of_a_key_must_name_a_file()
    {
        Assert.Throws<HoconParseException>(() => HoconConfig.Parse("include = 5"));
        Assert.Equal(5, HoconConfig.Parse("\"include\" = 5").GetInt("include"));
        Assert.Equal(5, HoconConfig.Parse("foo include = 5").GetInt("\"foo include\""));
    }

    [Fact]
    public void An_unquoted_include_followed_by_a_line_break_and_a_separator_is_still_an_include()
    {
        var error = Assert.Throws<HoconParseException>(() => HoconConfig.Parse("include\n= 5"));

        Assert.Contains("expected a quoted file name in the include", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_without_a_value_in_an_included_file_names_that_file_and_the_key()
    {
        var inc = _folder.Write("inc.conf", "a = 1\n  b\n");
        var main = _folder.Write("main.conf", "include \"inc.conf\"");

        var error = Assert.Throws<HoconParseException>(() => HoconConfig.Load(main));

        Assert.Equal(inc, error.File);
        Assert.Equal((2, 3), (error.Line, error.Column));
        Assert.Contains("the key 'b' has no value", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_include_cycle_is_an_error_naming_the_files()
    {
        _folder.Write("a.conf", "include \"b.conf\"");
        _folder.Write("b.conf", "include \"a.conf\"");
        var error = Assert.Throws<HoconParseException>(() => HoconConfig.Load(Path.Combine(_folder.Path, "a.conf")));
        Assert.Contains("include cycle", error.Message, StringComparison.Ordinal);
        Assert.Contains("b.conf", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_syntax_error_in_an_included_file_names_that_file()
    {
        var inc = _folder.Write("inc.conf", "\nx = \"open");
        var main = _folder.Write("main.conf", "include \"inc.conf\"");
        var error = Assert.Throws<HoconParseException>(() => HoconConfig.Load(main));
        Assert.Equal(inc, error.File);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void Parse_resolves_relative_includes_against_the_current_directory()
    {
        var file = _folder.Write("cwd.conf", "c = 3");
        Assert.Equal(3, HoconConfig.Parse($"include \"{file}\"").GetInt("c"));
    }

    [Fact]
    public void Loading_a_missing_file_throws_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => HoconConfig.Load(Path.Combine(_folder.Path, "missing.conf")));
    }
}
