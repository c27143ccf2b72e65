using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests.Redis;

public sealed class RedisOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1:6380", "127.0.0.1", 6380)]
    [InlineData("redis.internal", "redis.internal", 6379)]
    [InlineData("[::1]:7000", "::1", 7000)]
    [InlineData("[::1]", "::1", 6379)]
    public void The_endpoint_is_split_into_host_and_port(string endpoint, string host, int port)
    {
        var options = RedisOptions.For(endpoint);
        Assert.Equal(host, options.Host);
        Assert.Equal(port, options.Port);
    }

    [Theory]
    [InlineData("", "Endpoint")]
    [InlineData("host:notaport", "Endpoint")]
    [InlineData("host:70000", "Endpoint")]
    [InlineData(":6379", "Endpoint")]
    public void A_bad_endpoint_is_rejected_naming_the_setting(string endpoint, string parameter)
    {
        var error = Assert.Throws<ArgumentException>(() => RedisOptions.For(endpoint));
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void Other_invalid_settings_are_rejected_naming_the_setting()
    {
        Assert.Equal("Database", Assert.Throws<ArgumentException>(() => new RedisOptions { Database = -1 }.Validate()).ParamName);
        Assert.Equal("ConnectTimeout", Assert.Throws<ArgumentException>(() => new RedisOptions { ConnectTimeout = TimeSpan.Zero }.Validate()).ParamName);
        Assert.Equal("CommandTimeout", Assert.Throws<ArgumentException>(() => new RedisOptions { CommandTimeout = TimeSpan.Zero }.Validate()).ParamName);
        Assert.Equal("User", Assert.Throws<ArgumentException>(() => new RedisOptions { User = "dispatch" }.Validate()).ParamName);
        Assert.Equal("ReconnectMaxBackoff", Assert.Throws<ArgumentException>(() =>
            new RedisOptions { ReconnectMinBackoff = TimeSpan.FromSeconds(2), ReconnectMaxBackoff = TimeSpan.FromSeconds(1) }.Validate()).ParamName);
    }

    [Fact]
    public void The_password_never_appears_in_the_text_form()
    {
        var options = new RedisOptions { Password = "s3cret-value", User = "dispatch" };
        Assert.DoesNotContain("s3cret-value", options.ToString());
        Assert.Contains("***", options.ToString());
    }
}
