using Dispatch.Cli.Demo;
using Spectre.Console;

namespace Dispatch.Cli.Tests.Run;

public sealed class DemoTests
{
    [Fact]
    public async Task The_demo_completes_every_call_without_a_single_429()
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No });

        var exitCode = await DemoCommand.RunAsync(calls: 40, requestsPerWindow: 100, faultRate: 0.05, console, CancellationToken.None);

        Assert.Equal(0, exitCode);
        var text = output.ToString();
        Assert.Contains("40 / 40", text);
        Assert.Matches(@"429s from the provider\s*│\s*0\s*│", text);
    }
}
