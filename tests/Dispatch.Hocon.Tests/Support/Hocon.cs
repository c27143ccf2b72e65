using System.Text.Json.Nodes;

namespace Dispatch.Hocon.Tests.Support;

/// <summary>Helpers shared by the tests: JSON comparison, temporary folders, the repository root.</summary>
internal static class Hocon
{
    public static void AssertSameJson(string expectedJson, HoconConfig config)
    {
        var expected = JsonNode.Parse(expectedJson);
        var actual = JsonNode.Parse(config.ToJson());
        Assert.True(
            JsonNode.DeepEquals(expected, actual),
            $"expected {expected?.ToJsonString()}\n  actual {actual?.ToJsonString()}");
    }

    public static void AssertParsesTo(string expectedJson, string hocon) => AssertSameJson(expectedJson, HoconConfig.Parse(hocon));

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dispatch.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Dispatch.sln not found above " + AppContext.BaseDirectory);
    }

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
}

/// <summary>A temporary folder deleted at the end of the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hocon-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        return file;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
