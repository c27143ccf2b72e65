using System.CommandLine;
using Dispatch.Cli.Commands;

namespace Dispatch.Cli;

/// <summary>The <c>dispatch</c> command's entry point.</summary>
public static class Program
{
    /// <summary>Runs the chosen command; returns the process exit code.</summary>
    /// <param name="args">The command line.</param>
    public static async Task<int> Main(string[] args)
    {
        var parse = CommandTree.Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            await Console.Error.WriteLineAsync(CommandTree.DescribeErrors(parse));
            return CommandTree.CannotStart;
        }

        // Ctrl-C and SIGTERM are each command's own business: a batch run and a node must drain, not be cut off.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }
}
