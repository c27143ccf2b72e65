using Dispatch.Hocon.Model;

namespace Dispatch.Hocon.Tests;

public class GetterTests
{
    private static readonly HoconConfig Config = HoconConfig.Parse(
        """
        dispatch {
          name = openai
          count = 12
          big = 9000000000
          ratio = 0.75
          flag = on
          timeout = 30s
          size = 64KiB
          numeric-string = "17"
          whole-double = 5.0
          hosts = [a, b, c]
          ports = [80, 443]
          longs = [1, 9000000000]
          ratios = [0.5, 1]
          flags = [yes, off]
          waits = [1s, 2m]
          sizes = [1KiB, 2MB]
          endpoints = [{ name = x }, { name = y }]
          nested { deeper { value = 1 } }
        }
        """,
        "getters.conf");

    [Fact]
    public void Typed_getters_read_each_type()
    {
        Assert.Equal("openai", Config.GetString("dispatch.name"));
        Assert.Equal(12, Config.GetInt("dispatch.count"));
        Assert.Equal(9_000_000_000, Config.GetLong("dispatch.big"));
        Assert.Equal(0.75, Config.GetDouble("dispatch.ratio"));
        Assert.True(Config.GetBoolean("dispatch.flag"));
        Assert.Equal(TimeSpan.FromSeconds(30), Config.GetDuration("dispatch.timeout"));
        Assert.Equal(65536, Config.GetBytes("dispatch.size"));
        Assert.Equal(17, Config.GetInt("dispatch.numeric-string"));
        Assert.Equal(5, Config.GetInt("dispatch.whole-double"));
        Assert.Equal("12", Config.GetString("dispatch.count"));
    }

    [Fact]
    public void List_getters_read_each_element_type()
    {
        Assert.Equal(["a", "b", "c"], Config.GetStringList("dispatch.hosts"));
        Assert.Equal([80, 443], Config.GetIntList("dispatch.ports"));
        Assert.Equal([1L, 9_000_000_000L], Config.GetLongList("dispatch.longs"));
        Assert.Equal([0.5, 1.0], Config.GetDoubleList("dispatch.ratios"));
        Assert.Equal([true, false], Config.GetBooleanList("dispatch.flags"));
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2)], Config.GetDurationList("dispatch.waits"));
        Assert.Equal([1024L, 2_000_000L], Config.GetBytesList("dispatch.sizes"));
        Assert.Equal(["x", "y"], Config.GetConfigList("dispatch.endpoints").Select(c => c.GetString("name")));
    }

    [Fact]
    public void Defaults_are_returned_only_for_missing_paths()
    {
        Assert.Equal("d", Config.GetString("dispatch.missing", "d"));
        Assert.Equal(3, Config.GetInt("dispatch.missing", 3));
        Assert.Equal(4L, Config.GetLong("nope.nope", 4L));
        Assert.Equal(1.5, Config.GetDouble("dispatch.missing", 1.5));
        Assert.True(Config.GetBoolean("dispatch.missing", true));
        Assert.Equal(TimeSpan.FromSeconds(9), Config.GetDuration("dispatch.missing", TimeSpan.FromSeconds(9)));
        Assert.Equal(7L, Config.GetBytes("dispatch.missing", 7L));
        Assert.Equal(12, Config.GetInt("dispatch.count", 3));
        Assert.Throws<HoconWrongTypeException>(() => Config.GetInt("dispatch.name", 3));
    }

    [Fact]
    public void Get_config_returns_a_sub_tree_with_relative_paths()
    {
        var nested = Config.GetConfig("dispatch.nested");
        Assert.Equal(1, nested.GetInt("deeper.value"));
        Assert.Equal(["deeper"], nested.Keys);
        Assert.Equal(HoconValueKind.Object, Config.GetObject("dispatch").Kind);
        Assert.Equal(3, Config.GetArray("dispatch.hosts").Count);
    }

    [Fact]
    public void Has_path_is_true_only_for_present_values()
    {
        Assert.True(Config.HasPath("dispatch.nested.deeper.value"));
        Assert.False(Config.HasPath("dispatch.nested.nope"));
        Assert.False(Config.HasPath("nope"));
    }

    [Fact]
    public void A_missing_path_error_names_the_path_and_the_nearest_parent()
    {
        var error = Assert.Throws<HoconMissingPathException>(() => Config.GetString("dispatch.nested.nope"));
        Assert.Equal("dispatch.nested.nope", error.Path);
        Assert.Contains("'dispatch.nested.nope'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'dispatch.nested' at getters.conf:19", error.Message, StringComparison.Ordinal);
        Assert.Contains("getters.conf", Assert.Throws<HoconMissingPathException>(() => Config.GetInt("nope")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_type_error_names_the_path_the_types_and_where_the_value_was_defined()
    {
        var error = Assert.Throws<HoconWrongTypeException>(() => Config.GetInt("dispatch.name"));
        Assert.Equal("dispatch.name", error.Path);
        Assert.Equal(new HoconOrigin("getters.conf", 2, 10), error.Origin);
        Assert.Equal("getters.conf:2: 'dispatch.name' is a string ('openai'), but an int (32-bit whole number) was expected", error.Message);
    }

    [Theory]
    [InlineData("dispatch.big", "int")]
    [InlineData("dispatch.ratio", "long")]
    [InlineData("dispatch.name", "double")]
    [InlineData("dispatch.name", "boolean")]
    [InlineData("dispatch.hosts", "string")]
    [InlineData("dispatch.nested", "string")]
    [InlineData("dispatch.name", "object")]
    [InlineData("dispatch.name", "array")]
    [InlineData("dispatch.name", "list")]
    [InlineData("dispatch.hosts", "intlist")]
    [InlineData("dispatch.hosts", "configlist")]
    [InlineData("dispatch.name.child", "string")]
    public void Values_of_the_wrong_type_are_rejected(string path, string getter)
    {
        Action read = getter switch
        {
            "int" => () => Config.GetInt(path),
            "long" => () => Config.GetLong(path),
            "double" => () => Config.GetDouble(path),
            "boolean" => () => Config.GetBoolean(path),
            "string" => () => Config.GetString(path),
            "object" => () => Config.GetObject(path),
            "array" => () => Config.GetArray(path),
            "list" => () => Config.GetStringList(path),
            "intlist" => () => Config.GetIntList(path),
            _ => () => Config.GetConfigList(path),
        };
        Assert.Throws<HoconWrongTypeException>(read);
    }

    [Fact]
    public void An_object_with_numeric_keys_reads_as_a_list()
    {
        var config = HoconConfig.Parse("a.1 = y\na.0 = x\na.10 = z\na.name = ignored\nb.x = 1");
        Assert.Equal(["x", "y", "z"], config.GetStringList("a"));
        Assert.Equal(3, config.GetArray("a").Count);
        Assert.Throws<HoconWrongTypeException>(() => config.GetStringList("b"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a..b")]
    [InlineData("a.")]
    [InlineData("\"a")]
    public void Malformed_paths_are_argument_errors(string path)
    {
        Assert.Throws<ArgumentException>(() => Config.HasPath(path));
    }

    [Fact]
    public void Quoted_path_segments_reach_keys_with_dots()
    {
        var config = HoconConfig.Parse("\"api.openai.com\" { rpm = 500 }");
        Assert.Equal(500, config.GetInt("\"api.openai.com\".rpm"));
    }

    [Fact]
    public void The_root_object_enumerates_keys_and_values_in_order()
    {
        var root = HoconConfig.Parse("b = 1\na = 2\nb = 3").Root;
        Assert.Equal(["b", "a"], root.Keys);
        Assert.Equal(["3", "2"], root.Values.Select(v => ((HoconScalar)v).Text));
        Assert.Equal(2, root.Count);
        Assert.True(root.TryGetValue("a", out _));
        Assert.Equal("2", root["a"].ToString());
        Assert.Equal(2, root.Select(kv => kv.Key).Count());
    }

    [Fact]
    public void Empty_config_has_nothing_and_merges_as_a_neutral_element()
    {
        Assert.True(HoconConfig.Empty.IsEmpty);
        Assert.Equal("{\"a\":1}", HoconConfig.Parse("a = 1").WithFallback(HoconConfig.Empty).ToJson());
        Assert.Equal("{\"a\":1}", HoconConfig.Empty.WithFallback(HoconConfig.Parse("a = 1")).ToJson());
    }
}
