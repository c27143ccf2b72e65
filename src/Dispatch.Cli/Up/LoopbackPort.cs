using System.Net;
using System.Net.Sockets;

namespace Dispatch.Cli.Up;

/// <summary>Free TCP ports on 127.0.0.1, for processes that must know their ports before they start (an Akka seed node).</summary>
internal static class LoopbackPort
{
    /// <summary>A port that was free a moment ago (the operating system's pick for a listener on port 0).</summary>
    public static int Free()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
