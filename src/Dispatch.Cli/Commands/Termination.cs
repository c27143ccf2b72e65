using System.Runtime.InteropServices;

namespace Dispatch.Cli.Commands;

/// <summary>
/// Turns Ctrl-C and SIGTERM into a cancellation token for commands that stop gracefully. The
/// first signal cancels the token and the process keeps running to finish its work; a second
/// Ctrl-C ends it at once.
/// </summary>
internal sealed class Termination : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration? _sigterm;
    private int _signals;

    public Termination()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        _sigterm = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSigterm);
    }

    /// <summary>Cancelled at the first Ctrl-C or SIGTERM.</summary>
    public CancellationToken Token => _cts.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _sigterm?.Dispose();
        _cts.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = Interlocked.Increment(ref _signals) == 1;
        Stop();
    }

    private void OnSigterm(PosixSignalContext context)
    {
        context.Cancel = true;
        Stop();
    }

    private void Stop()
    {
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The command already finished.
        }
    }
}
