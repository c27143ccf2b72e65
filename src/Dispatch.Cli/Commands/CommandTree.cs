using System.CommandLine;
using Dispatch.Cli.Bench;
using Dispatch.Cli.Demo;
using Dispatch.Cli.Node;
using Dispatch.Cli.Run;
using Dispatch.Cli.Upstream;

namespace Dispatch.Cli.Commands;

/// <summary>The <c>dispatch</c> command tree.</summary>
public static class CommandTree
{
    /// <summary>Creates the root command with every subcommand.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("Dispatch: send API calls within the provider's limits, with retries, a circuit breaker and one final result per call.");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(NodeCommand.Create());
        root.Subcommands.Add(FakeUpstreamCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}
