using System.Net;
using Dispatch.FakeUpstream.Tests.Support;

namespace Dispatch.FakeUpstream.Tests.Routes;

public sealed class EmbeddingsSpec
{
    [Fact]
    public async Task Embeddings_answer_one_vector_per_input_and_charge_a_quarter_of_the_input_characters()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Post("v1/embeddings", """{"model":"text-embedding-3-small","input":["abcde","fgh"]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal("list", json.GetProperty("object").GetString());
        Assert.Equal("text-embedding-3-small", json.GetProperty("model").GetString());
        var data = json.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        Assert.Equal(8, data[1].GetProperty("embedding").GetArrayLength());
        Assert.Equal(2, json.GetProperty("usage").GetProperty("total_tokens").GetInt64());
        Assert.Equal(2, up.Counters.TokensCharged);
    }

    [Fact]
    public async Task Embeddings_asked_as_base64_come_as_little_endian_float32s()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Post("v1/embeddings", """{"input":"hi","encoding_format":"base64"}"""));

        var embedding = Convert.FromBase64String((await response.JsonAsync()).GetProperty("data")[0].GetProperty("embedding").GetString()!);
        Assert.Equal(8 * sizeof(float), embedding.Length);
        Assert.Equal(1f, BitConverter.ToSingle(embedding, 0));
    }

    [Fact]
    public async Task Embeddings_without_input_are_answered_400_naming_the_field()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var response = await http.SendAsync(Requests.Post("v1/embeddings", """{"model":"m"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'input'", (await response.JsonAsync()).GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Every_answer_carries_an_x_request_id_of_its_own()
    {
        await using var up = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions());
        using var http = up.CreateClient();

        using var first = await http.SendAsync(Requests.Chat());
        using var second = await http.SendAsync(Requests.Post("v1/embeddings", """{"model":"m"}"""));

        Assert.StartsWith("req_", first.Header(FakeUpstreamHeaders.RequestId));
        Assert.StartsWith("req_", second.Header(FakeUpstreamHeaders.RequestId));
        Assert.NotEqual(first.Header(FakeUpstreamHeaders.RequestId), second.Header(FakeUpstreamHeaders.RequestId));
    }
}
