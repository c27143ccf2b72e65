using System.CommandLine;
using System.CommandLine.Parsing;
using Dispatch.Cli.Bench;
using Dispatch.Cli.Demo;
using Dispatch.Cli.Node;
using Dispatch.Cli.Run;
using Dispatch.Cli.Up;
using Dispatch.Cli.Upstream;

namespace Dispatch.Cli.Commands;

/// <summary>The <c>dispatch</c> command tree.</summary>
public static class CommandTree
{
    /// <summary>The exit code of a command that could not start: a bad command line, flag, setting or file.</summary>
    public const int CannotStart = 2;

    /// <summary>Creates the root command with every subcommand.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand("Dispatch: send API calls within the provider's limits, with retries, a circuit breaker and one final result per call.");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(NodeCommand.Create());
        root.Subcommands.Add(FakeUpstreamCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(UpCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }

    /// <summary>
    /// A command line's errors as one line naming the command they belong to, e.g.
    /// <c>dispatch run: Option '--output' is required. (dispatch run --help lists the options)</c>.
    /// </summary>
    /// <param name="parse">A parse with errors.</param>
    public static string DescribeErrors(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var names = new List<string>();
        // The root's own name is the host's (dotnet, testhost); the command is always dispatch.
        for (var command = parse.CommandResult; command.Parent is CommandResult parent; command = parent) names.Add(command.Command.Name);
        names.Add("dispatch");
        names.Reverse();
        var where = string.Join(' ', names);
        // One line: System.CommandLine's messages may hold line breaks and tabs (a list of allowed values).
        var errors = string.Join(' ', parse.Errors.SelectMany(e => e.Message.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
        return $"{where}: {errors} ({where} --help lists the options)";
    }
}
