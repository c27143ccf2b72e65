using Spectre.Console;

namespace Dispatch.Cli.Node;

/// <summary>The console that status tables and URLs are printed to.</summary>
internal static class WideConsole
{
    /// <summary>Wide enough for an Akka address, a URL or a status table on one line.</summary>
    private const int RedirectedWidth = 200;

    /// <summary>
    /// <see cref="AnsiConsole.Console"/>, <see cref="RedirectedWidth"/> columns wide when standard output is a file or
    /// a pipe: those have no width, and Spectre.Console would assume 80 and wrap addresses and URLs mid-word.
    /// </summary>
    public static IAnsiConsole Create()
    {
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected) console.Profile.Width = RedirectedWidth;
        return console;
    }
}
