using System.Net;
using System.Net.Sockets;
using Dispatch.FakeUpstream.Faults;
using Dispatch.FakeUpstream.Tests.Support;

namespace Dispatch.FakeUpstream.Tests.Hosting;

public sealed class ServerLifecycleSpec
{
    [Fact]
    public async Task Server_started_on_port_zero_listens_on_a_free_loopback_port_it_reports()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());

        Assert.NotEqual(0, up.Port);
        Assert.Equal($"http://127.0.0.1:{up.Port}", up.BaseUrl);
        Assert.Equal(new Uri($"http://127.0.0.1:{up.Port}/"), up.BaseAddress);
        using var http = new HttpClient();
        using var response = await http.GetAsync(up.BaseUrl + "/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Server_bound_to_all_interfaces_reports_a_loopback_url_that_works()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { BindAddress = IPAddress.Any });

        Assert.Equal($"http://127.0.0.1:{up.Port}", up.BaseUrl);
        using var http = up.CreateClient();
        using var response = await http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Stopped_server_frees_its_port_for_a_new_server()
    {
        var first = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        var port = first.Port;
        using (var http = first.CreateClient())
            (await http.SendAsync(Requests.Chat())).Dispose();

        await first.DisposeAsync();
        await using var second = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Port = port });

        Assert.Equal(port, second.Port);
        using var client = second.CreateClient();
        using var response = await client.SendAsync(Requests.Chat());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Stopped_server_refuses_connections()
    {
        var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        var port = up.Port;

        await up.DisposeAsync();

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => socket.ConnectAsync(IPAddress.Loopback, port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task Starting_on_a_taken_port_fails_with_IOException()
    {
        await using var first = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());

        await Assert.ThrowsAnyAsync<IOException>(() => FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Port = first.Port }));
    }

    [Fact]
    public async Task Stopping_ends_requests_that_would_never_be_answered()
    {
        var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { ShutdownTimeout = TimeSpan.FromMinutes(5) });
        using var http = up.CreateClient();
        http.Timeout = Timeout.InfiniteTimeSpan;
        up.Faults.Enqueue(FaultKind.Timeout);
        var hanging = http.SendAsync(Requests.Chat());
        await Eventually.TrueAsync(() => up.Counters.OpenRequests == 1, "the request is open on the server");

        await up.DisposeAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => hanging);
        Assert.Equal(0, up.Counters.OpenRequests);
    }

    [Fact]
    public async Task Disposing_twice_is_harmless()
    {
        var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());

        await up.DisposeAsync();
        await up.DisposeAsync();
    }

    [Fact]
    public async Task RunAsync_serves_until_cancelled()
    {
        using var stop = new CancellationTokenSource();
        var started = new TaskCompletionSource<FakeUpstreamServer>(TaskCreationOptions.RunContinuationsAsynchronously);

        var run = FakeUpstreamServer.RunAsync(new FakeUpstreamOptions(), started.SetResult, stop.Token);
        var up = await started.Task;
        using (var http = up.CreateClient())
        using (var response = await http.GetAsync("healthz"))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        stop.Cancel();
        await run;

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(() => socket.ConnectAsync(IPAddress.Loopback, up.Port));
    }

    [Fact]
    public async Task Invalid_options_fail_the_start_naming_the_setting()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Limits = new() { TokensPerWindow = 0 } }));

        Assert.Equal("Limits.TokensPerWindow", error.ParamName);
        Assert.Contains("Limits.TokensPerWindow", error.Message);
    }
}
