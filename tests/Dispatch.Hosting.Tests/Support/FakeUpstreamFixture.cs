using Dispatch.FakeUpstream;
using Dispatch.FakeUpstream.Latency;

namespace Dispatch.Hosting.Tests.Support;

/// <summary>A fake provider shared by the tests of one class, started before the class's first test (the TestKit's host needs its address at start).</summary>
public sealed class FakeUpstreamFixture : IAsyncLifetime
{
    private FakeUpstreamServer? _server;

    public FakeUpstreamServer Server => _server ?? throw new InvalidOperationException("The fake upstream is not started.");

    public async ValueTask InitializeAsync() =>
        _server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Latency = LatencyOptions.Fixed(TimeSpan.FromMilliseconds(100)) });

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
