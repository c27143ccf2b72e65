using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dispatch.Cluster.Redis;

namespace Dispatch.Benchmarks.Cluster;

/// <summary>A redis-server child process on a free port of 127.0.0.1, without persistence, killed on dispose.</summary>
internal sealed class BenchRedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private BenchRedisServer(Process process, int port, string version)
    {
        _process = process;
        Endpoint = $"127.0.0.1:{port}";
        Version = version;
    }

    /// <summary><c>host:port</c>.</summary>
    public string Endpoint { get; }

    /// <summary>What <c>redis-server --version</c> printed.</summary>
    public string Version { get; }

    /// <summary>Starts redis-server from PATH and waits until it answers PING.</summary>
    /// <exception cref="InvalidOperationException">redis-server is not on PATH, or did not start.</exception>
    public static async Task<BenchRedisServer> StartAsync()
    {
        string executable = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("redis-server is not on PATH; the cluster benchmark needs it (Debian package 'redis-server').");
        string version = await OutputOfAsync(executable, "--version");
        int port = FreePort();
        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
            info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new BenchRedisServer(process, port, version);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            try
            {
                await using var connection = await RedisConnection.ConnectAsync(new RedisOptions { Endpoint = server.Endpoint });
                if (await connection.PingAsync() == "PONG") return server;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(25);
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static async Task<string> OutputOfAsync(string executable, string argument)
    {
        var info = new ProcessStartInfo(executable, argument) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
        string output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Trim();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
