using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests;

/// <summary>
/// A real redis-server child process on a free port of 127.0.0.1, with persistence off.
/// It can be stopped and started again on the same port, to test losing the server.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;

    private RedisServer(string executable, int port)
    {
        Executable = executable;
        Port = port;
    }

    public string Executable { get; }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public RedisOptions Options => new()
    {
        Endpoint = Endpoint,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        ReconnectMinBackoff = TimeSpan.FromMilliseconds(20),
        ReconnectMaxBackoff = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>Starts a server on a free port and waits until it answers PING.</summary>
    /// <exception cref="InvalidOperationException">redis-server is not on PATH: the tests need it and say so rather than skip.</exception>
    public static async Task<RedisServer> StartAsync()
    {
        string executable = FindExecutable();
        // Another process may take the free port before redis-server binds it; try a few ports.
        for (int attempt = 1; ; attempt++)
        {
            var server = new RedisServer(executable, FreePort());
            try
            {
                await server.StartAgainAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                await server.StopAsync();
            }
        }
    }

    /// <summary>Starts the process (again) on the same port and waits until it answers PING.</summary>
    public async Task StartAgainAsync()
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--protected-mode", "no" })
            info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {Executable}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"redis-server exited with code {process.ExitCode} while starting on port {Port}.");
            try
            {
                await using var connection = await RedisConnection.ConnectAsync(Options);
                if (await connection.PingAsync() == "PONG") return;
            }
            catch (RedisConnectionException ex)
            {
                last = ex;
            }
            await Task.Delay(25);
        }
        throw new InvalidOperationException($"redis-server on port {Port} did not answer PING within 15 s.", last);
    }

    /// <summary>Kills the process and waits for it to exit; the port is free afterwards.</summary>
    public async Task StopAsync()
    {
        var process = Interlocked.Exchange(ref _process, null);
        if (process is null) return;
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        finally
        {
            process.Dispose();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private static string FindExecutable()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException(
            "redis-server is not on PATH. The Dispatch.Cluster tests run against a real Redis: install Debian's 'redis-server' package " +
            "(tests/run.sh does this when run as root) and run the tests again.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One redis-server shared by the tests of the "redis" collection.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private RedisServer? _server;

    public RedisServer Server => _server ?? throw new InvalidOperationException("The Redis server has not started.");

    public async Task InitializeAsync() => _server = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    /// <summary>A fresh connection to the shared server.</summary>
    public Task<RedisConnection> ConnectAsync() => RedisConnection.ConnectAsync(Server.Options);
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "redis";
}
