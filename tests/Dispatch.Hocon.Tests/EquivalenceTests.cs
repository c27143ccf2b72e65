using System.Text.Json.Nodes;
using static Dispatch.Hocon.Tests.Support.Hocon;

namespace Dispatch.Hocon.Tests;

/// <summary>Differently written documents that must all mean the same as Fixtures/plain.json.</summary>
public class EquivalenceTests
{
    public static TheoryData<string> Documents() =>
    [
        "plain.json",
        "no-root-braces.conf",
        "no-commas.conf",
        "path-keys.conf",
        "properties-style.conf",
        "substitutions.conf",
        "triple-quotes.conf",
        "includes/main.conf",
    ];

    [Theory]
    [MemberData(nameof(Documents))]
    public void Each_way_of_writing_the_settings_renders_the_same_json_as_the_plain_json_file(string fixture)
    {
        var expected = File.ReadAllText(Fixture("plain.json"));
        AssertSameJson(expected, HoconConfig.Load(Fixture(fixture)));
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Indented_and_compact_json_hold_the_same_tree(string fixture)
    {
        var config = HoconConfig.Load(Fixture(fixture));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(config.ToJson()), JsonNode.Parse(config.ToJson(indented: true))));
    }
}
