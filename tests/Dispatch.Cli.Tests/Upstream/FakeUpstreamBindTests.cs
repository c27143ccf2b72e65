using System.Globalization;
using System.Text.RegularExpressions;
using Dispatch.Cli.Tests.Support;

namespace Dispatch.Cli.Tests.Upstream;

/// <summary>docker-compose.yml runs the fake upstream with <c>--bind 0.0.0.0</c> so the node container reaches it.</summary>
public sealed partial class FakeUpstreamBindTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Fake_upstream_with_bind_0_0_0_0_listens_on_every_interface()
    {
        using var upstream = DispatchProcess.Start("fake-upstream", "--bind", "0.0.0.0", "--port", "0");
        string? port = null;
        await Poll.Until(() => (port = Listening().Match(upstream.StandardOutput).Groups[1].Value) is { Length: > 0 }, Timeout, $"the fake upstream prints its address\n{upstream.StandardError}");

        // /proc/net/tcp: local address 00000000:PORT (0.0.0.0, port in hex) in state 0A (LISTEN).
        var listening = $"00000000:{int.Parse(port!, CultureInfo.InvariantCulture):X4} 00000000:0000 0A";
        Assert.Contains(File.ReadLines("/proc/net/tcp"), line => line.Contains(listening, StringComparison.Ordinal));
        upstream.Terminate();
        Assert.Equal(0, await upstream.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Fake_upstream_refuses_a_bind_that_is_not_an_ip_address()
    {
        using var upstream = DispatchProcess.Start("fake-upstream", "--bind", "fake-upstream", "--port", "0");

        Assert.Equal(2, await upstream.WaitAsync(Timeout));
        Assert.Contains("--bind 'fake-upstream' must be an IP address", upstream.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fake_upstream_refuses_a_stream_gap_that_is_not_a_duration()
    {
        using var upstream = DispatchProcess.Start("fake-upstream", "--stream-gap", "soon", "--port", "0");

        Assert.Equal(2, await upstream.WaitAsync(Timeout));
        Assert.Contains("--stream-gap 'soon' must be a duration such as 300ms", upstream.StandardError, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"listening on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();
}
