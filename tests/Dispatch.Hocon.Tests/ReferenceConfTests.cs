using System.Text.RegularExpressions;
using static Dispatch.Hocon.Tests.Support.Hocon;

namespace Dispatch.Hocon.Tests;

public class ReferenceConfTests
{
    private static readonly string HoconFolder = Path.Combine(RepoRoot(), "hocon");

    private static HoconConfig Reference() => HoconConfig.Load(Path.Combine(HoconFolder, "reference.conf"));

    private static HoconConfig Example(string name) =>
        HoconConfig.Load(Path.Combine(HoconFolder, "examples", name)).WithFallback(Reference());

    [Fact]
    public void Reference_conf_loads_and_resolves()
    {
        var config = Reference().Resolve();
        Assert.Equal(["dispatch"], config.Keys);
    }

    [Fact]
    public void Reference_conf_holds_the_documented_defaults()
    {
        var d = Reference().GetConfig("dispatch.endpoint-defaults");
        Assert.Equal(TimeSpan.FromSeconds(60), d.GetDuration("attempt-timeout"));
        Assert.Equal(8 * 1024 * 1024, d.GetBytes("max-response-bytes"));
        Assert.Equal(64, d.GetInt("max-connections"));
        Assert.Equal(TimeSpan.FromMinutes(2), d.GetDuration("pooled-connection-lifetime"));
        Assert.Equal(60, d.GetInt("rate-limit.requests"));
        Assert.False(d.HasPath("rate-limit.tokens"));
        Assert.Equal(TimeSpan.FromMinutes(1), d.GetDuration("rate-limit.interval"));
        Assert.Equal(10_000, d.GetInt("queue.capacity"));
        Assert.Equal(8, d.GetInt("executor.concurrency"));
        Assert.Equal(5, d.GetInt("retry.max-attempts"));
        Assert.Equal(TimeSpan.FromSeconds(1), d.GetDuration("retry.base-delay"));
        Assert.Equal(TimeSpan.FromSeconds(60), d.GetDuration("retry.max-delay"));
        Assert.Equal("full", d.GetString("retry.jitter"));
        Assert.Equal(5, d.GetInt("breaker.max-failures"));
        Assert.Equal(TimeSpan.FromSeconds(30), d.GetDuration("breaker.reset-timeout"));
        Assert.Equal(TimeSpan.FromMinutes(5), d.GetDuration("breaker.max-reset-timeout"));
        Assert.Equal("reject", d.GetString("breaker.when-open"));
        Assert.Equal(1024, d.GetInt("cache.max-entries"));
        Assert.Equal(TimeSpan.FromMinutes(5), d.GetDuration("cache.default-ttl"));
        Assert.Equal(4.0, d.GetDouble("token-estimation.chars-per-token"));

        var root = Reference();
        Assert.Equal("dispatch", root.GetString("dispatch.cluster.quota.role"));
        Assert.Equal(4, root.GetInt("dispatch.cluster.quota.min-lease-requests"));
        Assert.Equal(TimeSpan.FromSeconds(2), root.GetDuration("dispatch.cluster.quota.request-timeout"));
        Assert.Equal("information", root.GetString("dispatch.logging.level"));
        Assert.Equal(8780, root.GetInt("dispatch.ingress.port"));
        Assert.Equal(TimeSpan.FromSeconds(30), root.GetDuration("dispatch.shutdown.drain-timeout"));
        Assert.Empty(root.GetObject("dispatch.endpoints"));
    }

    [Fact]
    public void Every_setting_in_reference_conf_has_a_comment()
    {
        var setting = new Regex("^\\s*[\\w.\"-]+\\s*=\\s*[^{\\s]", RegexOptions.CultureInvariant);
        var uncommented = File.ReadAllLines(Path.Combine(HoconFolder, "reference.conf"))
            .Select((line, i) => (line, number: i + 1))
            .Where(l => !l.line.TrimStart().StartsWith('#') && setting.IsMatch(l.line) && !l.line.Contains('#', StringComparison.Ordinal))
            .Select(l => $"{l.number}: {l.line}")
            .ToList();
        Assert.Empty(uncommented);
    }

    [Fact]
    public void The_openai_example_inherits_the_endpoint_defaults_and_overrides_some()
    {
        var chat = Example("openai.conf").GetConfig("dispatch.endpoints.openai-chat");
        Assert.Equal("https://api.openai.com", chat.GetString("base-url"));
        Assert.Equal("OPENAI_API_KEY", chat.GetString("api-key-env"));
        Assert.Equal(500, chat.GetInt("rate-limit.requests"));
        Assert.Equal(200_000, chat.GetLong("rate-limit.tokens"));
        Assert.Equal(TimeSpan.FromMilliseconds(500), chat.GetDuration("retry.base-delay"));
        Assert.Equal(5, chat.GetInt("breaker.max-failures"));

        var embeddings = Example("openai.conf").GetConfig("dispatch.endpoints.openai-embeddings");
        Assert.Equal("/v1/embeddings", embeddings.GetString("path"));
        Assert.Equal(3000, embeddings.GetInt("rate-limit.requests"));
        Assert.Equal(TimeSpan.FromMinutes(1), embeddings.GetDuration("rate-limit.interval"));
        Assert.Equal("application/json", embeddings.GetString("headers.Content-Type"));
    }

    [Fact]
    public void Every_file_under_hocon_loads()
    {
        foreach (var file in Directory.EnumerateFiles(HoconFolder, "*.conf", SearchOption.AllDirectories))
        {
            HoconConfig.Load(file).WithFallback(Reference()).Resolve();
        }
    }
}
