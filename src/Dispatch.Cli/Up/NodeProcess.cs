using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Dispatch.Cli.Up;

/// <summary>
/// One <c>dispatch node</c> child process of <c>dispatch up</c>: its output goes to a log file, its standard input is a
/// pipe the child reads to its end (<c>--stop-with-parent</c>), so it drains and stops when this process ends, however.
/// </summary>
internal sealed partial class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly TaskCompletionSource<Uri> _ingress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _lastError;

    private NodeProcess(string name, string address, string logPath, Process process, StreamWriter log)
    {
        Name = name;
        Address = address;
        LogPath = logPath;
        _process = process;
        _log = log;
    }

    /// <summary>node1, node2, …</summary>
    public string Name { get; }

    /// <summary>Its Akka address.</summary>
    public string Address { get; }

    /// <summary>Where its standard output and error go.</summary>
    public string LogPath { get; }

    /// <summary>Its ingress, once it listens; faults when the process ends before.</summary>
    public Task<Uri> Ingress => _ingress.Task;

    /// <summary>Completes with the exit code when the process ends.</summary>
    public Task<int> Exited { get; private set; } = Task.FromResult(0);

    /// <summary>The last line it wrote to standard error (the reason a node refused to start), if any.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Starts <c>dispatch node --config <paramref name="config"/> --stop-with-parent</c> with this process's own executable.</summary>
    public static NodeProcess Start(string name, string address, string config, string logPath, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Run as `dotnet dispatch.dll`: the child needs the dll; as the dispatch executable: nothing more.
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet") start.ArgumentList.Add(typeof(NodeProcess).Assembly.Location);
        foreach (var argument in (string[])["node", "--config", config, "--stop-with-parent"]) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment) start.Environment[key] = value;

        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var node = new NodeProcess(name, address, logPath, process, log);
        process.OutputDataReceived += (_, e) => node.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnError(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        node.Exited = node.WaitForExitAsync();
        return node;
    }

    /// <summary>Asks the node to drain and leave the cluster (SIGTERM, as <c>docker stop</c> does).</summary>
    public void Terminate()
    {
        if (_process.HasExited) return;
        if (OperatingSystem.IsWindows())
        {
            _process.Kill();
            return;
        }

        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false });
        kill?.WaitForExit();
    }

    /// <summary>Ends the process at once.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    private async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync();
        _process.WaitForExit(); // the redirected output is read to its end
        _ingress.TrySetException(new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before its ingress listened: {LastError ?? "no error output"} (log: {LogPath})"));
        return _process.ExitCode;
    }

    private void OnOutput(string? line)
    {
        if (line is null) return;
        Write(line);
        var match = IngressLine().Match(line);
        if (match.Success) _ingress.TrySetResult(new Uri(match.Groups[1].Value));
    }

    private void OnError(string? line)
    {
        if (line is null) return;
        Write(line);
        if (!string.IsNullOrWhiteSpace(line)) Volatile.Write(ref _lastError, line);
    }

    private void Write(string line)
    {
        lock (_log)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Disposed while the last lines were arriving.
            }
        }
    }

    [GeneratedRegex(@"ingress on (https?://\S+?)[ ;]")]
    private static partial Regex IngressLine();
}
