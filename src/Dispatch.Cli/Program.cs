using System.CommandLine;
using Dispatch.Cli.Commands;

namespace Dispatch.Cli;

/// <summary>The <c>dispatch</c> command's entry point.</summary>
public static class Program
{
    /// <summary>Runs the chosen command; returns the process exit code.</summary>
    /// <param name="args">The command line.</param>
    public static Task<int> Main(string[] args) =>
        // Ctrl-C and SIGTERM are each command's own business: a batch run and a node must drain, not be cut off.
        CommandTree.Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
}
