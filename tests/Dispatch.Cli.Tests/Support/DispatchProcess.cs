using System.Diagnostics;
using System.Text;

namespace Dispatch.Cli.Tests.Support;

/// <summary>The built <c>dispatch</c> command run as a child process with <c>dotnet dispatch.dll</c>.</summary>
internal sealed class DispatchProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private DispatchProcess(Process process) => _process = process;

    public string StandardOutput
    {
        get
        {
            lock (_stdout) return _stdout.ToString();
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr) return _stderr.ToString();
        }
    }

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    public static DispatchProcess Start(params string[] arguments) => Start(arguments, new Dictionary<string, string>());

    /// <summary>Starts <c>dispatch</c> with <paramref name="arguments"/>.</summary>
    /// <param name="arguments">The command line after <c>dispatch</c>.</param>
    /// <param name="environment">Variables set for the child.</param>
    /// <param name="holdStandardInput">
    /// Gives the child a standard input pipe that only this process holds, so a <c>node --stop-with-parent</c> stops when
    /// the test host ends, however it ends (a test that failed before its clean-up leaves no node running).
    /// </param>
    public static DispatchProcess Start(string[] arguments, IReadOnlyDictionary<string, string> environment, bool holdStandardInput = false)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = holdStandardInput, UseShellExecute = false };
        start.ArgumentList.Add(DllPath());
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        var child = new DispatchProcess(process);
        process.OutputDataReceived += (_, e) => Append(child._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(child._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for the process to end and returns its exit code.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dispatch did not exit within {timeout}.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
        }

        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>Kills the process at once, as a crash or <c>kill -9</c> would.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>
    /// Sends SIGTERM, which the commands handle exactly as Ctrl-C. (SIGINT itself cannot be used: a
    /// process started from a background job inherits SIGINT ignored, as test runners often are.)
    /// </summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null) return;
        lock (buffer) buffer.AppendLine(line);
    }

    /// <summary>dispatch.dll next to the tests (copied with its runtimeconfig as a project reference).</summary>
    private static string DllPath()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "dispatch.dll");
        if (File.Exists(path) && File.Exists(Path.Combine(AppContext.BaseDirectory, "dispatch.runtimeconfig.json"))) return path;
        throw new FileNotFoundException("dispatch.dll (with dispatch.runtimeconfig.json) is not next to the tests; build tests/Dispatch.Cli.Tests", path);
    }
}
