using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Dispatch.Hosting.Logging;
using Dispatch.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dispatch.Hosting.Tests.Logging;

public sealed class RedactionTests
{
    private const string ApiKey = "sk-test-0123456789SECRETabcdef";

    [Fact]
    public async Task An_api_key_never_appears_in_any_log_line()
    {
        var directory = Directory.CreateTempSubdirectory("dispatch-logs-");
        try
        {
            await using var upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { RequiredApiKey = ApiKey });
            using var host = TestNode.Build(
                d => d.AddHocon(TestNode.Endpoint("chat", upstream.BaseUrl, "api-key-env = TEST_PROVIDER_KEY") + LogFile(directory, "verbose")),
                new Dictionary<string, string> { ["TEST_PROVIDER_KEY"] = ApiKey });
            await host.StartAsync();
            var dispatch = host.Services.GetRequiredService<ActorRegistry>().Get<DispatchActor>();

            var ok = await dispatch.Ask<APICallResult>(new APICalling("ok", "chat", TestNode.ChatPayload()), TestNode.Patience);
            var failed = await dispatch.Ask<APICallResult>(new APICalling("bad", "chat", "{not json"), TestNode.Patience);
            // Careless application code: the key in a message, a property and an exception.
            var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("App");
            log.LogWarning("Calling with Authorization: Bearer " + ApiKey);
            log.LogWarning("Key is {Key} and header {Header}", ApiKey, "x-api-key: " + ApiKey);
            log.LogError(new InvalidOperationException("request failed with key " + ApiKey), "Failure");
            // The call log is written by an actor from the event stream, after the caller has its result.
            await TestNode.Eventually(() => TestNode.ReadLines(directory).Any(IsBadCallLine), "the failed call's log line reaches the file sink");
            await host.StopAsync();

            Assert.Equal(CallStatus.Completed, ok.Status);
            Assert.NotEqual(CallStatus.Completed, failed.Status);
            var lines = TestNode.ReadLines(directory);
            Assert.Contains(lines, IsBadCallLine);
            Assert.Contains(lines, l => l.Contains(SecretRedactor.Mask, StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains(ApiKey, StringComparison.Ordinal) || l.Contains("0123456789SECRET", StringComparison.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static bool IsBadCallLine(string line) =>
        line.Contains("\"CallId\":\"bad\"", StringComparison.Ordinal) && line.Contains("\"Endpoint\":\"chat\"", StringComparison.Ordinal);

    [Fact]
    public async Task An_akka_log_line_holding_an_api_key_reaches_the_serilog_sink_with_the_key_masked()
    {
        var directory = Directory.CreateTempSubdirectory("dispatch-akka-logs-");
        try
        {
            using var host = TestNode.Build(
                d => d.AddHocon("dispatch.endpoints.chat { base-url = \"http://127.0.0.1:1\", api-key-env = TEST_PROVIDER_KEY }" + LogFile(directory, "information")),
                new Dictionary<string, string> { ["TEST_PROVIDER_KEY"] = ApiKey });
            await host.StartAsync();

            host.System().Log.Info("akka-marker: careless actor logged the key {0}", ApiKey);

            await TestNode.Eventually(() => TestNode.ReadLines(directory).Any(l => l.Contains("akka-marker", StringComparison.Ordinal)), "the Akka log line reaches the file sink");
            var line = TestNode.ReadLines(directory).First(l => l.Contains("akka-marker", StringComparison.Ordinal));
            Assert.Contains("careless actor logged the key", line);
            Assert.Contains(SecretRedactor.Mask, line);
            Assert.DoesNotContain("0123456789SECRET", line);
            Assert.Contains("\"SourceContext\":", line);
            await host.StopAsync();
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Akka_log_events_of_two_hosts_in_one_process_reach_only_their_own_hosts_sinks()
    {
        var first = Directory.CreateTempSubdirectory("dispatch-first-");
        var second = Directory.CreateTempSubdirectory("dispatch-second-");
        try
        {
            using var one = TestNode.Build(d => d.AddHocon(LogFile(first, "information")));
            using var two = TestNode.Build(d => d.AddHocon(LogFile(second, "information")));
            await one.StartAsync();
            await two.StartAsync();

            one.System().Log.Info("marker-of-host-one");
            two.System().Log.Info("marker-of-host-two");

            await TestNode.Eventually(() => TestNode.ReadLines(first).Any(l => l.Contains("marker-of-host-one", StringComparison.Ordinal)), "host one's line in host one's file");
            await TestNode.Eventually(() => TestNode.ReadLines(second).Any(l => l.Contains("marker-of-host-two", StringComparison.Ordinal)), "host two's line in host two's file");
            Assert.DoesNotContain(TestNode.ReadLines(first), l => l.Contains("marker-of-host-two", StringComparison.Ordinal));
            Assert.DoesNotContain(TestNode.ReadLines(second), l => l.Contains("marker-of-host-one", StringComparison.Ordinal));
            await one.StopAsync();
            await two.StopAsync();
        }
        finally
        {
            first.Delete(recursive: true);
            second.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task An_actors_own_logger_reaches_serilog_as_a_structured_event()
    {
        var directory = Directory.CreateTempSubdirectory("dispatch-actor-logs-");
        try
        {
            using var host = TestNode.Build(d => d.AddHocon(LogFile(directory, "information")));
            await host.StartAsync();

            host.System().ActorOf(Props.Create(() => new Chatty())).Tell("go");

            await TestNode.Eventually(() => TestNode.ReadLines(directory).Any(l => l.Contains("\"Subject\":\"structured\"", StringComparison.Ordinal)), "the actor's event with its property");
            await host.StopAsync();
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("Authorization: Bearer abcdef123456", "Authorization: ***")]
    [InlineData("x-api-key=abcdef123456", "x-api-key=***")]
    [InlineData("{\"api_key\":\"abcdef123456\"}", "{\"api_key\":\"***\"}")]
    [InlineData("sent Bearer abcdef123456 upstream", "sent Bearer *** upstream")]
    [InlineData("key sk-proj-abcdefghijkl in text", "key *** in text")]
    public void Credential_shaped_text_is_masked(string text, string expected)
    {
        Assert.Equal(expected, SecretRedactor.PatternsOnly.Redact(text));
    }

    [Fact]
    public void A_known_secret_is_masked_wherever_it_appears()
    {
        var redactor = new SecretRedactor(["hunter2-long-secret"]);

        Assert.Equal("user typed *** here", redactor.Redact("user typed hunter2-long-secret here"));
    }

    [Fact]
    public void Ordinary_text_is_left_alone()
    {
        const string text = "Call 42 to openai-chat ended Completed after 1 attempt(s) in 120 ms";

        Assert.Equal(text, new SecretRedactor(["secret-value"]).Redact(text));
    }

    private static string LogFile(DirectoryInfo directory, string level) => $$"""

        dispatch.logging { level = {{level}}, file = "{{Path.Combine(directory.FullName, "node.log").Replace("\\", "/", StringComparison.Ordinal)}}" }
        """;

    /// <summary>Logs through Akka's own logging, with a named property.</summary>
    private sealed class Chatty : ReceiveActor
    {
        public Chatty()
        {
            var log = Context.GetLogger();
            Receive<string>(_ => log.Info("Something {Subject} happened", "structured"));
        }
    }
}
