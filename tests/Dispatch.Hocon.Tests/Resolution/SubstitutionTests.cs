using static Dispatch.Hocon.Tests.Support.Hocon;

namespace Dispatch.Hocon.Tests.Resolution;

public class SubstitutionTests
{
    private static HoconConfig Parse(string text, params (string Name, string Value)[] environment)
    {
        var env = environment.ToDictionary(e => e.Name, e => e.Value);
        return HoconConfig.Parse(text, "test.conf", name => env.GetValueOrDefault(name));
    }

    [Fact]
    public void A_substitution_takes_the_value_at_its_path()
    {
        AssertSameJson("""{"a":{"b":5},"c":5,"d":{"b":5}}""", Parse("a.b = 5\nc = ${a.b}\nd = ${a}"));
    }

    [Fact]
    public void Substitutions_are_resolved_after_the_whole_document_is_merged()
    {
        AssertSameJson("""{"c":2,"a":2}""", Parse("c = ${a}\na = 1\na = 2"));
    }

    [Fact]
    public void A_substitution_may_point_forward_and_through_other_substitutions()
    {
        AssertSameJson("""{"a":"x","b":"x","c":"x"}""", Parse("a = ${b}\nb = ${c}\nc = x"));
    }

    [Fact]
    public void A_substitution_concatenates_with_strings_around_it()
    {
        AssertSameJson("""{"host":"example.com","url":"https://example.com/v1"}""", Parse("host = example.com\nurl = \"https://\"${host}\"/v1\""));
    }

    [Fact]
    public void A_substitution_keeps_the_type_of_a_lone_value()
    {
        var config = Parse("a = 42\nb = ${a}\nc = [1, 2]\nd = ${c}");
        Assert.Equal(42, config.GetInt("b"));
        Assert.Equal([1, 2], config.GetIntList("d"));
    }

    [Fact]
    public void Missing_substitutions_fall_back_to_environment_variables()
    {
        AssertSameJson("""{"key":"sk-123","home":"/home/x"}""", Parse("key = ${OPENAI_API_KEY}\nhome = ${HOME}", ("OPENAI_API_KEY", "sk-123"), ("HOME", "/home/x")));
    }

    [Fact]
    public void The_document_wins_over_the_environment()
    {
        Assert.Equal("doc", Parse("HOME = doc\nh = ${HOME}", ("HOME", "/home/x")).GetString("h"));
    }

    [Fact]
    public void The_real_process_environment_is_used_by_default()
    {
        var name = "DISPATCH_HOCON_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(name, "from-env");
        try
        {
            Assert.Equal("from-env", HoconConfig.Parse($"a = ${{{name}}}").GetString("a"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void An_undefined_optional_substitution_leaves_the_field_out()
    {
        AssertSameJson("""{"b":1}""", Parse("a = ${?nope}\nb = 1"));
    }

    [Fact]
    public void An_undefined_optional_substitution_keeps_the_earlier_value()
    {
        AssertSameJson("""{"a":1,"b":"env"}""", Parse("a = 1\na = ${?nope}\nb = default\nb = ${?B}", ("B", "env")));
    }

    [Fact]
    public void An_undefined_optional_substitution_vanishes_from_concatenations_and_arrays()
    {
        AssertSameJson("""{"a":"x","b":[1,2]}""", Parse("a = ${?nope} x\nb = [1, ${?nope}, 2]"));
    }

    [Fact]
    public void A_self_referential_substitution_extends_the_earlier_value()
    {
        AssertSameJson("""{"path":"/bin :/extra"}""", Parse("path = /bin\npath = ${path} \":/extra\""));
        AssertSameJson("""{"path":"/bin:/extra"}""", Parse("path = /bin\npath = ${path}\":/extra\""));
    }

    [Fact]
    public void A_self_referential_array_substitution_appends()
    {
        AssertSameJson("""{"list":[1,2,3]}""", Parse("list = [1]\nlist = ${list} [2]\nlist = ${list} [3]"));
    }

    [Fact]
    public void A_self_reference_without_an_earlier_value_falls_back_to_the_environment()
    {
        AssertSameJson("""{"PATH":"/usr/bin:/extra"}""", Parse("PATH = ${PATH}\":/extra\"", ("PATH", "/usr/bin")));
    }

    [Fact]
    public void A_self_reference_inside_a_nested_object_looks_at_the_earlier_value()
    {
        AssertSameJson("""{"a":{"b":"12"}}""", Parse("a { b = 1 }\na { b = ${a.b}2 }"));
    }

    [Fact]
    public void A_self_reference_sees_the_value_from_the_fallback()
    {
        var app = Parse("path = ${path}\":/app\"\nlist += b");
        var reference = Parse("path = /ref\nlist = [a]");
        AssertSameJson("""{"path":"/ref:/app","list":["a","b"]}""", app.WithFallback(reference));
    }

    [Fact]
    public void A_self_reference_with_no_earlier_value_anywhere_is_an_error_naming_it()
    {
        var error = Assert.Throws<HoconResolveException>(() => Parse("a = 1\nb = ${b} x").Resolve());
        Assert.Contains("${b}", error.Message, StringComparison.Ordinal);
        Assert.Contains("test.conf:2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_substitution_is_an_error_naming_it_and_where_it_is_used()
    {
        var error = Assert.Throws<HoconResolveException>(() => Parse("a = 1\nb {\n  c = ${no.such.path}\n}").ToJson());
        Assert.Contains("${no.such.path}", error.Message, StringComparison.Ordinal);
        Assert.Equal(new HoconOrigin("test.conf", 3, 7), error.Origin);
    }

    [Fact]
    public void A_cycle_is_an_error_naming_the_cycle()
    {
        var error = Assert.Throws<HoconResolveException>(() => Parse("a = ${b}\nb = ${c}\nc = ${a}").Resolve());
        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
        Assert.Contains("${a}", error.Message, StringComparison.Ordinal);
        Assert.Contains("${b}", error.Message, StringComparison.Ordinal);
        Assert.Contains("${c}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_self_reference_into_the_field_looks_at_the_value_below()
    {
        AssertSameJson("""{"foo":{"a":2,"c":1}}""", Parse("foo : { a : { c : 1 } }\nfoo : ${foo.a}\nfoo : { a : 2 }"));
    }

    [Fact]
    public void A_hidden_self_reference_or_unknown_substitution_is_never_evaluated()
    {
        AssertSameJson("""{"foo":42,"bar":1}""", Parse("foo : ${foo}\nfoo : 42\nbar : ${does-not-exist}\nbar : 1"));
    }

    [Fact]
    public void An_optional_self_reference_without_earlier_value_is_undefined()
    {
        AssertSameJson("""{"a":"foo"}""", Parse("a = ${?a}foo\nb = ${?b}"));
    }

    [Fact]
    public void Objects_that_refer_to_each_other_look_forward()
    {
        AssertSameJson(
            """{"bar":{"a":4,"b":3},"foo":{"c":3,"d":4}}""",
            Parse("bar : { a : ${foo.d}, b : 1 }\nbar.b = 3\nfoo : { c : ${bar.b}, d : 2 }\nfoo.d = 4"));
        AssertSameJson(
            """{"bar":{"foo":43,"baz":43}}""",
            Parse("bar : { foo : 42, baz : ${bar.foo} }\nbar : { foo : 43 }"));
    }

    [Fact]
    public void A_substitution_of_the_field_inside_an_array_or_object_literal_is_a_cycle()
    {
        Assert.Throws<HoconResolveException>(() => Parse("a = [1]\na = [${a}]").Resolve());
        Assert.Throws<HoconResolveException>(() => Parse("a : { b : ${a} }").Resolve());
    }

    [Fact]
    public void An_optional_substitution_caught_in_a_cycle_is_undefined()
    {
        var config = Parse("a = ${?b}\nb = ${?a}");
        AssertSameJson("{}", config);
    }

    [Fact]
    public void An_object_that_refers_to_itself_is_a_cycle()
    {
        var error = Assert.Throws<HoconResolveException>(() => Parse("a { b = ${x} }\nx = ${a}").Resolve());
        Assert.Contains("${a}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_may_refer_to_a_sibling_inside_the_same_object()
    {
        AssertSameJson("""{"a":{"b":1,"c":1}}""", Parse("a { b = 1, c = ${a.b} }"));
    }

    [Fact]
    public void A_substitution_of_an_object_merges_with_an_object_after_it()
    {
        AssertSameJson(
            """{"defaults":{"x":1,"y":2},"custom":{"x":1,"y":3,"z":4}}""",
            Parse("defaults { x = 1, y = 2 }\ncustom = ${defaults} { y = 3 }\ncustom.z = 4"));
    }

    [Fact]
    public void An_object_field_merges_over_an_earlier_substitution_of_an_object()
    {
        AssertSameJson(
            """{"base":{"x":1},"a":{"x":1,"y":2}}""",
            Parse("base { x = 1 }\na = ${base}\na { y = 2 }"));
    }

    [Fact]
    public void A_later_substitution_merges_over_an_earlier_object()
    {
        AssertSameJson(
            """{"base":{"x":1},"a":{"x":1,"y":2}}""",
            Parse("base { x = 1 }\na { y = 2 }\na = ${base}"));
    }

    [Fact]
    public void Fields_written_into_a_substituted_object_merge_over_it()
    {
        AssertSameJson(
            """{"base":{"x":1},"a":{"x":1,"y":2,"z":3}}""",
            Parse("base { x = 1 }\na = ${base}\na { y = 2 }\na { z = 3 }"));
    }

    [Fact]
    public void A_self_reference_into_a_value_not_yet_resolved_looks_inside_it_once_resolved()
    {
        AssertSameJson(
            """{"base":{"tags":["a"]},"e":{"tags":["a","b"]}}""",
            Parse("base { tags = [a] }\ne = ${base}\ne.tags = ${e.tags} [b]"));
    }

    [Fact]
    public void An_append_looks_inside_a_fallback_value_not_yet_resolved()
    {
        var app = Parse("e.tags += b");
        var reference = Parse("base { tags = [a] }\ne = ${base}");
        Assert.Equal(["a", "b"], app.WithFallback(reference).GetStringList("e.tags"));
    }

    [Fact]
    public void Concatenating_a_string_with_an_object_substitution_is_an_error()
    {
        var error = Assert.Throws<HoconResolveException>(() => Parse("o { x = 1 }\ns = foo ${o}").Resolve());
        Assert.Contains("cannot concatenate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Substitutions_resolve_against_fallbacks()
    {
        var app = Parse("timeout = ${defaults.timeout}\nname = app");
        var reference = Parse("defaults.timeout = 30s\nname = ref\nlabel = ${name}-label");
        var merged = app.WithFallback(reference);
        AssertSameJson("""{"defaults":{"timeout":"30s"},"name":"app","label":"app-label","timeout":"30s"}""", merged);
    }

    [Fact]
    public void Fallbacks_merge_objects_and_the_first_config_wins()
    {
        var merged = Parse("a { x = 1 }\nb = [1]\nc = ${?nope}").WithFallback(Parse("a { x = 0, y = 2 }\nb = [9]\nd = 4\nc = 3"));
        AssertSameJson("""{"a":{"x":1,"y":2},"b":[1],"d":4,"c":3}""", merged);
    }

    [Fact]
    public void Thousands_of_appends_and_self_references_stay_flat()
    {
        var text = "list = []\npath = x\n" + string.Concat(Enumerable.Range(0, 2000).Select(i => $"list += {i}\npath = ${{path}}y\n"));
        var config = Parse(text).WithFallback(Parse("list = [a]"));
        Assert.Equal(2000, config.GetStringList("list").Count);
        Assert.Equal(2001, config.GetString("path").Length);
    }

    [Fact]
    public void Appending_to_a_non_array_is_an_error()
    {
        Assert.Throws<HoconParseException>(() => Parse("a = 1\na += 2"));
        Assert.Throws<HoconResolveException>(() => Parse("a = ${b}\nb = 1\na += 2").Resolve());
    }

    [Fact]
    public void A_long_chain_of_self_references_to_substitutions_fails_cleanly_when_merged_with_a_fallback()
    {
        var text = "a = ${b}\n" + string.Concat(Enumerable.Repeat("a = ${a}x\n", 600));
        Assert.Throws<HoconResolveException>(() => Parse(text).WithFallback(Parse("b = 1")).Resolve());
    }

    [Fact]
    public void A_long_substitution_chain_is_a_resolve_error_not_a_crash()
    {
        var text = string.Join('\n', Enumerable.Range(0, 2000).Select(i => $"a{i} = ${{a{i + 1}}}")) + "\na2000 = end";
        Assert.Throws<HoconResolveException>(() => Parse(text).Resolve());
    }

    [Fact]
    public void Objects_and_arrays_with_substitutions_inside_arrays_resolve()
    {
        AssertSameJson("""{"x":1,"a":[{"v":1},[1]]}""", Parse("x = 1\na = [{ v = ${x} }, [${x}]]"));
    }
}
