using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dispatch.Core.Tests.Support;

/// <summary>
/// A one-connection HTTP/1.1 server on 127.0.0.1 that records the request it receives and
/// answers with a fixed response: real sockets, for the tests that must cross the network stack.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task<string> _serving;

    public LoopbackServer(string response)
    {
        _listener.Start();
        _serving = ServeOnceAsync(response);
    }

    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>The raw request (headers and body) the server received.</summary>
    public Task<string> Request => _serving;

    public static string Ok(string json) =>
        $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(json)}\r\nConnection: close\r\n\r\n{json}";

    /// <summary>A port nothing listens on: bound, then released.</summary>
    public static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private async Task<string> ServeOnceAsync(string response)
    {
        using var client = await _listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var received = new StringBuilder();
        var buffer = new byte[8192];
        while (true)
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0) break;
            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            var text = received.ToString();
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0) continue;
            var lengthLine = text[..end].Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim());
            if (Encoding.UTF8.GetByteCount(text[(end + 4)..]) >= length) break;
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(response));
        await stream.FlushAsync();
        return received.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // The test may end without the server having been called.
        }
    }
}
