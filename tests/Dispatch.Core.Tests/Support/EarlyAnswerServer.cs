using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dispatch.Core.Tests.Support;

/// <summary>
/// A server on 127.0.0.1 that answers every request from its headers alone, <c>413 Content Too Large</c>,
/// and closes the connection without reading the body (with a body unread, the close is a reset): what
/// a proxy that refuses large bodies does. Real sockets; records each request's headers.
/// </summary>
public sealed class EarlyAnswerServer : IAsyncDisposable
{
    private const string Body = """{"error":{"message":"Request body too large.","type":"invalid_request_error"}}""";
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _requests = [];
    private readonly Task _serving;

    public EarlyAnswerServer()
    {
        _listener.Start();
        _serving = ServeAsync();
    }

    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>The header block of each request received, in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests) return [.. _requests];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped while waiting for the next connection.
        }

        _stop.Dispose();
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var stream = client.GetStream();
            var received = new StringBuilder();
            var buffer = new byte[1024];
            int end;
            while ((end = received.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
            {
                var read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0) break;
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            lock (_requests) _requests.Add(end < 0 ? received.ToString() : received.ToString()[..end]);
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 413 Content Too Large\r\nContent-Type: application/json\r\nContent-Length: {Body.Length}\r\nConnection: close\r\n\r\n{Body}"), _stop.Token);
            client.Client.Close();
        }
    }
}
