using Dispatch.Actors;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.FakeUpstream;
using Dispatch.Hosting.Logging;
using Dispatch.Hosting.Registry;
using Dispatch.Hosting.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
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
            var environment = new Dictionary<string, string> { ["TEST_PROVIDER_KEY"] = ApiKey };
            using var host = TestNode.Build(
                d => d.AddHocon(TestNode.Endpoint("chat", upstream.BaseUrl, "api-key-env = TEST_PROVIDER_KEY") + $$"""

                    dispatch.logging { level = verbose, file = "{{Path.Combine(directory.FullName, "node.log").Replace("\\", "/", StringComparison.Ordinal)}}" }
                    """),
                environment);
            await host.StartAsync();
            var dispatch = host.Services.GetRequiredService<IActorRegistry>().Get<DispatchActor>();

            var ok = await dispatch.Ask<APICallResult>(new APICalling("ok", "chat", TestNode.ChatPayload()), TimeSpan.FromSeconds(30));
            var failed = await dispatch.Ask<APICallResult>(new APICalling("bad", "chat", "{not json"), TimeSpan.FromSeconds(30));
            // Careless application code: the key in a message, a property and an exception.
            var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("App");
            log.LogWarning("Calling with Authorization: Bearer " + ApiKey);
            log.LogWarning("Key is {Key} and header {Header}", ApiKey, "x-api-key: " + ApiKey);
            log.LogError(new InvalidOperationException("request failed with key " + ApiKey), "Failure");
            await host.StopAsync();

            Assert.Equal(CallStatus.Completed, ok.Status);
            Assert.NotEqual(CallStatus.Completed, failed.Status);
            var lines = Directory.GetFiles(directory.FullName).SelectMany(File.ReadAllLines).ToList();
            Assert.Contains(lines, l => l.Contains("\"CallId\":\"bad\"", StringComparison.Ordinal) && l.Contains("\"Endpoint\":\"chat\"", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.Contains(SecretRedactor.Mask, StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains(ApiKey, StringComparison.Ordinal) || l.Contains("0123456789SECRET", StringComparison.Ordinal));
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
}
