using System.CommandLine;
using System.Diagnostics;
using Dispatch.FakeUpstream;

namespace Dispatch.Cli.Bench;

/// <summary>
/// An unlimited, instant fake upstream in a child process (<c>dispatch bench upstream</c>), so the
/// overhead scenario's allocation figures hold the clients' allocations only: an in-process
/// upstream would add its own share of every request to every client's figure.
/// </summary>
internal sealed class UpstreamProcess : IAsyncDisposable
{
    private const string ReadyPrefix = "listening ";
    private readonly Process _process;

    private UpstreamProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    /// <summary>The child's base address.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Starts this program again as <c>dispatch bench upstream</c> and waits for its address.</summary>
    public static async Task<UpstreamProcess> StartAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // Under `dotnet dispatch.dll` the host needs the assembly; the apphost does not.
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet") start.ArgumentList.Add(typeof(UpstreamProcess).Assembly.Location);
        start.ArgumentList.Add("bench");
        start.ArgumentList.Add("upstream");
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the upstream process");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(1));
            while (await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false) is { } line)
            {
                if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal)) return new UpstreamProcess(process, new Uri(line[ReadyPrefix.Length..]));
            }

            throw new InvalidOperationException("the upstream process ended before it listened");
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>The hidden <c>upstream</c> subcommand the child runs: serves until its standard input closes.</summary>
    public static Command CreateCommand()
    {
        var command = new Command("upstream", "Serve an unlimited, instant fake upstream for the overhead scenario (used by bench itself).") { Hidden = true };
        command.SetAction(async (_, cancellationToken) =>
        {
            await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions(), cancellationToken);
            await Console.Out.WriteLineAsync(ReadyPrefix + upstream.BaseUrl);
            await Console.Out.FlushAsync(cancellationToken);
            // The parent closing our input (or dying) is the signal to stop.
            await Console.In.ReadToEndAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
