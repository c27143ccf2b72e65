using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
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
        var errors = string.Join(' ', parse.Errors.SelectMany(e => Describe(e).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
        return $"{where}: {errors} ({where} --help lists the options)";
    }

    /// <summary>
    /// One error: a value that is not of its option's type says what was expected in words
    /// (<c>--concurrency: expected a whole number, got 'abc'</c>), where System.CommandLine would name a .NET type.
    /// </summary>
    private static string Describe(ParseError error)
    {
        (string Name, Type Type, IReadOnlyList<Token> Tokens)? value = error.SymbolResult switch
        {
            OptionResult option => (option.Option.Name, option.Option.ValueType, option.Tokens),
            ArgumentResult { Parent: OptionResult option } argument => (option.Option.Name, option.Option.ValueType, argument.Tokens),
            ArgumentResult argument => (argument.Argument.Name, argument.Argument.ValueType, argument.Tokens),
            _ => null,
        };
        if (value is not { } v) return error.Message;
        var type = Nullable.GetUnderlyingType(v.Type) ?? v.Type;
        if (type.IsArray) type = type.GetElementType()!;
        var expected = Type.GetTypeCode(type) switch
        {
            TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64 => "a whole number",
            TypeCode.Double or TypeCode.Single or TypeCode.Decimal => "a number",
            TypeCode.Boolean => "true or false",
            _ => null,
        };
        if (expected is null) return error.Message;
        foreach (var token in v.Tokens)
        {
            if (!Parses(type, token.Value)) return $"{v.Name}: expected {expected}, got '{token.Value}'.";
        }

        return error.Message;
    }

    private static bool Parses(Type type, string text) => Type.GetTypeCode(type) switch
    {
        TypeCode.Int16 => short.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        TypeCode.Int32 => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        TypeCode.Int64 => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        TypeCode.Boolean => bool.TryParse(text, out _),
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
    };
}
