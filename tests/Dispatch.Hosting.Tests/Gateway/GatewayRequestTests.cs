using System.Text.Json;
using Dispatch.Hosting.Gateway;

namespace Dispatch.Hosting.Tests.Gateway;

public sealed class GatewayRequestTests
{
    [Fact]
    public void A_streamed_request_asking_for_usage_is_read_as_such()
    {
        Assert.True(GatewayRequest.TryRead("""{"model":"m","stream":true,"stream_options":{"include_usage":true}}""", out var request, out _));

        Assert.Equal(new GatewayRequest("m", Stream: true, IncludeUsage: true), request);
    }

    [Fact]
    public void Asking_for_usage_keeps_the_other_stream_options_and_the_rest_of_the_body()
    {
        var body = GatewayRequest.WithUsageRequested("""{"model":"m","stream":true,"stream_options":{"include_obfuscation":false},"n":2}""");

        var root = JsonDocument.Parse(body).RootElement;
        Assert.True(root.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.False(root.GetProperty("stream_options").GetProperty("include_obfuscation").GetBoolean());
        Assert.Equal(2, root.GetProperty("n").GetInt32());
        Assert.Equal("m", root.GetProperty("model").GetString());
    }

    [Fact]
    public void Asking_for_usage_adds_stream_options_to_a_body_without_them()
    {
        var body = GatewayRequest.WithUsageRequested("""{"model":"m","stream":true,"stream_options":null}""");

        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }
}
