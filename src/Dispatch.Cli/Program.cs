namespace Dispatch.Cli;

/// <summary>The <c>dispatch</c> command's entry point.</summary>
public static class Program
{
    /// <summary>Runs the chosen command; returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        Console.Error.WriteLine($"dispatch: no command is available yet (asked for: {string.Join(' ', args)}).");
        return 2;
    }
}
