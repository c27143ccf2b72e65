using System.CommandLine;
using Dispatch.Cli.Demo;
using Dispatch.Cli.Node;
using Dispatch.Cli.Run;
using Dispatch.Cli.Up;
using Dispatch.Cli.Upstream;

namespace Dispatch.Cli.Commands;

/// <summary>The <c>dispatch</c> command tree.</summary>
public static class CommandTree
{
    /// <summary>The name of the type that provides <c>dispatch bench</c> when it is part of the build.</summary>
    internal const string BenchCommandType = "Dispatch.Cli.Bench.BenchCommand";

    /// <summary>Creates the root command with every subcommand.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("Dispatch: send API calls within the provider's limits, with retries, a circuit breaker and one final result per call.");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(NodeCommand.Create());
        root.Subcommands.Add(FakeUpstreamCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(UpCommand.Create());
        if (CreateBenchCommand() is { } bench) root.Subcommands.Add(bench);
        return root;
    }

    /// <summary>
    /// The slot for <c>dispatch bench</c>: <c>Dispatch.Cli.Bench.BenchCommand.Create()</c> when the
    /// benchmark folder is part of the build, found by name so this tree builds with or without it.
    /// </summary>
    internal static Command? CreateBenchCommand() =>
        typeof(CommandTree).Assembly.GetType(BenchCommandType)
            ?.GetMethod("Create", Type.EmptyTypes)
            ?.Invoke(null, null) as Command;
}
