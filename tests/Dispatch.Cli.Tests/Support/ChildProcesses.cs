using System.Globalization;

namespace Dispatch.Cli.Tests.Support;

/// <summary>Processes by parent, read from Linux's /proc: what a command started, and whether it is gone.</summary>
internal static class ChildProcesses
{
    /// <summary>The ids of the running processes whose parent is <paramref name="parent"/>.</summary>
    public static IReadOnlyList<int> Of(int parent) =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name!.All(char.IsAsciiDigit))
            .Select(name => int.Parse(name!, CultureInfo.InvariantCulture))
            .Where(pid => ParentOf(pid) == parent)
            .ToList();

    /// <summary>Whether a process with this id is running (a zombie counts as gone: it has ended and waits to be reaped).</summary>
    public static bool IsRunning(int pid) => Stat(pid) is { } stat && State(stat) != 'Z';

    private static int? ParentOf(int pid)
    {
        // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so read after the last ')'.
        if (Stat(pid) is not { } stat) return null;
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[1], CultureInfo.InvariantCulture);
    }

    private static char State(string stat) => stat[stat.LastIndexOf(')') + 2];

    private static string? Stat(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
