using Dispatch.FakeUpstream.Tests.Support;

namespace Dispatch.FakeUpstream.Tests.Hosting;

public sealed class LoggingSpec
{
    [Fact]
    public async Task Logs_go_to_the_given_provider_and_never_hold_the_api_key()
    {
        var logs = new ListLoggerProvider();
        await using (var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { LoggerProvider = logs, RequiredApiKey = "sk-secret-123" }))
        {
            using var right = up.CreateClient("sk-secret-123");
            using var wrong = up.CreateClient("sk-wrong-456");
            (await right.SendAsync(Requests.Chat())).Dispose();
            (await wrong.SendAsync(Requests.Chat())).Dispose();
            Assert.Contains(logs.Lines, line => line.Contains(up.BaseUrl, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(logs.Lines, line => line.Contains("sk-secret-123", StringComparison.Ordinal) || line.Contains("sk-wrong-456", StringComparison.Ordinal));
    }
}
