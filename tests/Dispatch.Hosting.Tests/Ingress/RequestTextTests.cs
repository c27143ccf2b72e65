using System.Text;
using Dispatch.Hosting.Ingress;
using Microsoft.AspNetCore.Http;

namespace Dispatch.Hosting.Tests.Ingress;

public sealed class RequestTextTests
{
    [Fact]
    public async Task A_body_of_several_megabytes_arriving_in_small_pieces_without_a_length_is_read_whole()
    {
        var text = string.Concat(Enumerable.Range(0, 300_000).Select(i => $"{i % 10}é;"));

        var read = await RequestText.ReadAsync(Request(Encoding.UTF8.GetBytes(text), contentLength: null), CancellationToken.None);

        Assert.Equal(text, read);
    }

    [Fact]
    public async Task A_body_longer_than_its_content_length_claimed_is_still_read_whole()
    {
        var read = await RequestText.ReadAsync(Request(Encoding.UTF8.GetBytes(new string('x', 5_000)), contentLength: 10), CancellationToken.None);

        Assert.Equal(5_000, read.Length);
    }

    [Fact]
    public async Task A_leading_utf8_byte_order_mark_is_dropped_and_invalid_bytes_are_replaced()
    {
        byte[] body = [0xEF, 0xBB, 0xBF, (byte)'{', 0xFF, (byte)'}'];

        var read = await RequestText.ReadAsync(Request(body, body.Length), CancellationToken.None);

        Assert.Equal("{\uFFFD}", read);
    }

    [Fact]
    public async Task An_empty_body_is_empty_text()
    {
        Assert.Equal("", await RequestText.ReadAsync(Request([], 0), CancellationToken.None));
    }

    private static HttpRequest Request(byte[] body, long? contentLength)
    {
        var http = new DefaultHttpContext();
        http.Request.Body = new TrickleStream(body);
        http.Request.ContentLength = contentLength;
        return http.Request;
    }

    /// <summary>Hands out at most 1,000 bytes a read, as a body arrives from the network in pieces.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 1_000)], cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1_000));
    }
}
