namespace Dispatch.Cli.Tests.Support;

internal static class Poll
{
    /// <summary>Polls a condition until it holds or the timeout passes; never a bare sleep.</summary>
    public static async Task Until(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for: {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>The complete lines of a file another process is appending to.</summary>
    public static IReadOnlyList<string> CompleteLines(string path)
    {
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        var end = text.LastIndexOf('\n');
        return end < 0 ? [] : text[..end].Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
