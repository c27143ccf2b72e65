using System.Diagnostics;

namespace Dispatch.Cli.Up;

/// <summary>A child process of <c>dispatch up</c> (a <c>dispatch</c> subcommand or redis-server), its output going to a log file.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ChildProcess(string name, Process process, StreamWriter log, string logPath)
    {
        Name = name;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public string Name { get; }

    public string LogPath { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Starts this program again with <paramref name="arguments"/>.</summary>
    public static ChildProcess Start(string name, IEnumerable<string> arguments, string logPath, IReadOnlyDictionary<string, string> environment) =>
        Start(name, SelfStartInfo(), arguments, logPath, environment);

    /// <summary>Starts <paramref name="executable"/> (a path) with <paramref name="arguments"/>.</summary>
    public static ChildProcess StartExecutable(string name, string executable, IEnumerable<string> arguments, string logPath) =>
        Start(name, new ProcessStartInfo(executable), arguments, logPath, new Dictionary<string, string>());

    private static ChildProcess Start(string name, ProcessStartInfo start, IEnumerable<string> arguments, string logPath, IReadOnlyDictionary<string, string> environment)
    {
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(name, process, log, logPath);
    }

    /// <summary>How to start this program: the apphost directly, or <c>dotnet dispatch.dll</c>.</summary>
    internal static ProcessStartInfo SelfStartInfo()
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        return start;
    }

    /// <summary>Asks the child to stop (SIGTERM: a node drains, redis-server shuts down), and kills it if it has not within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        if (OperatingSystem.IsWindows()) _process.Kill(entireProcessTree: true);
        else
        {
            // SIGTERM lets a node drain; .NET can only send SIGKILL itself.
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false });
            if (kill is not null) await kill.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(40));
        _process.Dispose();
        await _log.DisposeAsync();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null) return;
        lock (log) log.WriteLine(line);
    }
}
