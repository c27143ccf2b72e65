using Dispatch.Hocon.Configuration;
using Dispatch.Hocon.Tests.Support;
using Microsoft.Extensions.Configuration;
using static Dispatch.Hocon.Tests.Support.Hocon;

namespace Dispatch.Hocon.Tests.Configuration;

public sealed class ConfigurationProviderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    public enum WhenOpen
    {
        Reject,
        Hold,
    }

    public sealed class RetrySettings
    {
        [ConfigurationKeyName("max-attempts")]
        public int MaxAttempts { get; init; }

        [ConfigurationKeyName("base-delay")]
        public TimeSpan BaseDelay { get; init; }
    }

    public sealed record BreakerSettings
    {
        [ConfigurationKeyName("max-failures")]
        public int MaxFailures { get; init; }

        [ConfigurationKeyName("when-open")]
        public WhenOpen WhenOpen { get; init; }
    }

    public sealed class EndpointSettings
    {
        [ConfigurationKeyName("base-url")]
        public string BaseUrl { get; set; } = "";

        [ConfigurationKeyName("max-response-bytes")]
        public long MaxResponseBytes { get; set; }

        [ConfigurationKeyName("attempt-timeout")]
        public TimeSpan AttemptTimeout { get; set; }

        public Dictionary<string, string> Headers { get; set; } = [];

        public List<string> Models { get; set; } = [];

        public int[] Ports { get; set; } = [];

        public RetrySettings Retry { get; set; } = new();

        public BreakerSettings Breaker { get; set; } = new();

        public bool Enabled { get; set; }

        public double Ratio { get; set; }

        public string? Nothing { get; set; } = "untouched";
    }

    private const string Document = """
        dispatch.endpoints.openai-chat {
          base-url = "https://api.openai.com"
          max-response-bytes = 8MiB
          attempt-timeout = 90s
          headers { Content-Type = application/json }
          models = [gpt-4o, gpt-4o-mini]
          ports = [80, 443]
          retry { max-attempts = 6, base-delay = 500ms }
          breaker { max-failures = 3, when-open = hold }
          enabled = true
          ratio = 0.5
          nothing = null
        }
        """;

    [Fact]
    public void Paths_become_colon_separated_keys_and_arrays_index_keys()
    {
        var configuration = new ConfigurationBuilder().AddHocon(HoconConfig.Parse(Document)).Build();
        Assert.Equal("https://api.openai.com", configuration["dispatch:endpoints:openai-chat:base-url"]);
        Assert.Equal("gpt-4o", configuration["dispatch:endpoints:openai-chat:models:0"]);
        Assert.Equal("gpt-4o-mini", configuration["dispatch:endpoints:openai-chat:models:1"]);
        Assert.Equal("true", configuration["dispatch:endpoints:openai-chat:enabled"]);
        Assert.Null(configuration["dispatch:endpoints:openai-chat:nothing"]);
    }

    [Fact]
    public void Durations_and_sizes_are_exposed_in_forms_the_binder_reads()
    {
        var configuration = new ConfigurationBuilder().AddHocon(HoconConfig.Parse(Document)).Build();
        Assert.Equal("00:01:30", configuration["dispatch:endpoints:openai-chat:attempt-timeout"]);
        Assert.Equal("8388608", configuration["dispatch:endpoints:openai-chat:max-response-bytes"]);
    }

    [Fact]
    public void Unit_conversion_can_be_switched_off()
    {
        var configuration = new ConfigurationBuilder()
            .Add(new HoconConfigurationSource { Config = HoconConfig.Parse(Document), ConvertUnits = false })
            .Build();
        Assert.Equal("90s", configuration["dispatch:endpoints:openai-chat:attempt-timeout"]);
    }

    [Fact]
    public void An_options_class_binds_from_hocon()
    {
        var configuration = new ConfigurationBuilder().AddHocon(HoconConfig.Parse(Document)).Build();
        var endpoints = configuration.GetSection("dispatch:endpoints").Get<Dictionary<string, EndpointSettings>>()!;
        var chat = endpoints["openai-chat"];
        Assert.Equal("https://api.openai.com", chat.BaseUrl);
        Assert.Equal(8 * 1024 * 1024, chat.MaxResponseBytes);
        Assert.Equal(TimeSpan.FromSeconds(90), chat.AttemptTimeout);
        Assert.Equal("application/json", chat.Headers["Content-Type"]);
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], chat.Models);
        Assert.Equal([80, 443], chat.Ports);
        Assert.Equal(6, chat.Retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromMilliseconds(500), chat.Retry.BaseDelay);
        Assert.Equal(3, chat.Breaker.MaxFailures);
        Assert.Equal(WhenOpen.Hold, chat.Breaker.WhenOpen);
        Assert.True(chat.Enabled);
        Assert.Equal(0.5, chat.Ratio);
    }

    [Fact]
    public void A_hocon_file_source_reads_the_file_with_its_includes()
    {
        _folder.Write("base.conf", "retry.max-attempts = 2");
        var file = _folder.Write("app.conf", "include \"base.conf\"\nretry.base-delay = 1s");
        var retry = new ConfigurationBuilder().AddHoconFile(file).Build().GetSection("retry").Get<RetrySettings>()!;
        Assert.Equal(2, retry.MaxAttempts);
        Assert.Equal(TimeSpan.FromSeconds(1), retry.BaseDelay);
    }

    [Fact]
    public void A_missing_optional_file_adds_nothing_and_a_missing_required_file_fails()
    {
        var missing = Path.Combine(_folder.Path, "missing.conf");
        Assert.Empty(new ConfigurationBuilder().AddHoconFile(missing, optional: true).Build().AsEnumerable());
        Assert.Throws<FileNotFoundException>(() => new ConfigurationBuilder().AddHoconFile(missing).Build());
    }

    [Fact]
    public void A_source_without_path_or_config_is_rejected()
    {
        Assert.Throws<InvalidOperationException>(() => new ConfigurationBuilder().Add(new HoconConfigurationSource()).Build());
    }

    [Fact]
    public void Later_sources_override_earlier_ones_key_by_key()
    {
        var configuration = new ConfigurationBuilder()
            .AddHocon(HoconConfig.Parse("a { x = 1, y = 2 }"))
            .AddHocon(HoconConfig.Parse("a.y = 3"))
            .Build();
        Assert.Equal("1", configuration["a:x"]);
        Assert.Equal("3", configuration["a:y"]);
    }

    [Fact]
    public void The_reference_conf_and_the_openai_example_bind_to_options()
    {
        var hocon = Path.Combine(RepoRoot(), "hocon");
        var config = HoconConfig.Load(Path.Combine(hocon, "examples", "openai.conf"))
            .WithFallback(HoconConfig.Load(Path.Combine(hocon, "reference.conf")));
        var configuration = new ConfigurationBuilder().AddHocon(config).Build();
        var endpoints = configuration.GetSection("dispatch:endpoints").Get<Dictionary<string, EndpointSettings>>()!;
        Assert.Equal(["openai-chat", "openai-embeddings"], endpoints.Keys.Order());
        Assert.Equal(TimeSpan.FromSeconds(120), endpoints["openai-chat"].AttemptTimeout);
        Assert.Equal(8 * 1024 * 1024, endpoints["openai-chat"].MaxResponseBytes);
        Assert.Equal(WhenOpen.Reject, endpoints["openai-embeddings"].Breaker.WhenOpen);
    }
}
