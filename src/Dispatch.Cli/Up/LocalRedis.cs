using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dispatch.Cli.Up;

/// <summary>
/// The redis-server of <c>dispatch up</c>: found on PATH, started on a free port of 127.0.0.1 with
/// persistence off (the cluster's state lives only as long as the topology), ready once it answers PING.
/// </summary>
internal static class LocalRedis
{
    private const string Executable = "redis-server";

    /// <summary>The full path of redis-server on PATH, or null when it is not there.</summary>
    public static string? FindOnPath(string? path)
    {
        foreach (var directory in (path ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, Executable);
            if (File.Exists(candidate)) return candidate;
        }

        return null;
    }

    /// <summary>What to tell a user whose PATH has no redis-server.</summary>
    public static string NotFoundMessage =>
        "redis-server is not on PATH: the nodes of dispatch up share their budget and their calls through Redis. " +
        "Install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or put its folder on PATH, then run dispatch up again.";

    /// <summary>The arguments that start redis-server on <paramref name="port"/> of 127.0.0.1 without persistence.</summary>
    public static IReadOnlyList<string> Arguments(int port) =>
        ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];

    /// <summary>Starts redis-server on a free port and waits until it answers PING; tries another port if one was taken meanwhile.</summary>
    /// <exception cref="TimeoutException">It exited or did not answer in time.</exception>
    public static async Task<(ChildProcess Process, int Port)> StartAsync(string executable, string logPath, TimeSpan timeout, CancellationToken stop)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = UpCommand.FreePort();
            var process = ChildProcess.StartExecutable("redis", executable, Arguments(port), logPath);
            try
            {
                await WaitForPingAsync(process, port, timeout, stop);
                return (process, port);
            }
            catch (TimeoutException) when (attempt < 3 && process.HasExited)
            {
                // Another program took the port between the probe and redis-server's bind.
                await process.DisposeAsync();
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }
    }

    private static async Task WaitForPingAsync(ChildProcess process, int port, TimeSpan timeout, CancellationToken stop)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(timeout);
        while (true)
        {
            if (process.HasExited) throw new TimeoutException($"redis-server exited while starting on port {port}; see {process.LogPath}");
            try
            {
                if (await PingAsync(port, deadline.Token)) return;
            }
            catch (SocketException)
            {
                // Not listening yet.
            }
            catch (IOException)
            {
                // Closed while starting.
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                throw new TimeoutException($"redis-server did not answer PING on port {port} within {timeout.TotalSeconds:0} s; see {process.LogPath}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
        }
    }

    /// <summary>Sends one inline PING; true when the answer is PONG (a server still loading answers an error).</summary>
    private static async Task<bool> PingAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
    }
}
