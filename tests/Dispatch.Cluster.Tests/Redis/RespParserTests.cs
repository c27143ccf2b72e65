using System.Text;
using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests.Redis;

public sealed class RespParserTests
{
    private static RedisResult Parse(string wire)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);
        Assert.True(RespParser.TryParse(bytes, out var result, out int consumed));
        Assert.Equal(bytes.Length, consumed);
        return result;
    }

    [Fact]
    public void A_simple_string_is_parsed_as_text()
    {
        var result = Parse("+PONG\r\n");
        Assert.Equal(RedisResultType.SimpleString, result.Type);
        Assert.Equal("PONG", result.AsString());
    }

    [Fact]
    public void An_error_is_parsed_with_the_servers_message()
    {
        var result = Parse("-ERR unknown command 'FOO'\r\n");
        Assert.True(result.IsError);
        Assert.Equal("ERR unknown command 'FOO'", result.AsString());
    }

    [Theory]
    [InlineData(":0\r\n", 0L)]
    [InlineData(":-1\r\n", -1L)]
    [InlineData(":1000\r\n", 1000L)]
    [InlineData(":9223372036854775807\r\n", long.MaxValue)]
    [InlineData(":-9223372036854775808\r\n", long.MinValue)]
    public void An_integer_is_parsed_exactly(string wire, long expected) => Assert.Equal(expected, Parse(wire).AsLong());

    [Fact]
    public void A_bulk_string_keeps_binary_content_including_crlf()
    {
        var result = Parse("$8\r\na\r\nb\0c\r\n\r\n");
        Assert.Equal("a\r\nb\0c\r\n"u8.ToArray(), result.AsBytes());
    }

    [Fact]
    public void An_empty_bulk_string_is_not_null()
    {
        var result = Parse("$0\r\n\r\n");
        Assert.False(result.IsNull);
        Assert.Equal(string.Empty, result.AsString());
    }

    [Fact]
    public void A_null_bulk_string_is_null()
    {
        var result = Parse("$-1\r\n");
        Assert.True(result.IsNull);
        Assert.Null(result.AsString());
    }

    [Fact]
    public void A_null_array_is_null_and_reads_as_empty()
    {
        var result = Parse("*-1\r\n");
        Assert.True(result.IsNull);
        Assert.Empty(result.AsArray());
    }

    [Fact]
    public void Nested_arrays_keep_their_shape_and_item_types()
    {
        var result = Parse("*3\r\n*2\r\n:1\r\n$-1\r\n*0\r\n*1\r\n*1\r\n+deep\r\n");
        Assert.Equal(3, result.Count);
        Assert.Equal(1, result[0][0].AsLong());
        Assert.True(result[0][1].IsNull);
        Assert.Empty(result[1].AsArray());
        Assert.False(result[1].IsNull);
        Assert.Equal("deep", result[2][0][0].AsString());
    }

    [Fact]
    public void An_error_nested_in_an_array_is_an_item_not_an_exception()
    {
        var result = Parse("*2\r\n+OK\r\n-WRONGTYPE bad\r\n");
        Assert.True(result[1].IsError);
    }

    [Fact]
    public void Every_prefix_of_a_reply_is_incomplete_and_consumes_nothing()
    {
        var bytes = Encoding.UTF8.GetBytes(ComplexReply);
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.False(RespParser.TryParse(bytes.AsSpan(0, length), out _, out int consumed), $"prefix of {length} bytes");
            Assert.Equal(0, consumed);
        }
    }

    [Fact]
    public void A_stream_split_at_any_offset_yields_the_same_replies()
    {
        var bytes = Encoding.UTF8.GetBytes(ComplexReply + ":7\r\n$-1\r\n" + ComplexReply);
        string expected = string.Join("|", ParseAll(bytes, bytes.Length));
        for (int split = 1; split < bytes.Length; split++)
            Assert.Equal(expected, string.Join("|", ParseAll(bytes, split)));
        Assert.Equal(4, ParseAll(bytes, bytes.Length).Count);
    }

    [Fact]
    public void A_stream_delivered_one_byte_at_a_time_yields_the_same_replies()
    {
        var bytes = Encoding.UTF8.GetBytes(ComplexReply + "+OK\r\n");
        Assert.Equal(string.Join("|", ParseAll(bytes, bytes.Length)), string.Join("|", ParseAll(bytes, 1)));
    }

    [Theory]
    [InlineData("?what\r\n")]
    [InlineData(":12x\r\n")]
    [InlineData("$3\r\nabcd\r\n")]
    [InlineData("+no carriage return\n")]
    [InlineData("$-5\r\n")]
    public void Malformed_input_raises_a_protocol_error(string wire) =>
        Assert.Throws<RedisProtocolException>(() => RespParser.TryParse(Encoding.UTF8.GetBytes(wire), out _, out _));

    [Fact]
    public void Parsing_a_small_integer_or_an_incomplete_reply_allocates_nothing()
    {
        var integer = ":1\r\n"u8.ToArray();
        var partial = "*3\r\n:1\r\n$5\r\nhel"u8.ToArray();
        RespParser.TryParse(integer, out _, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            RespParser.TryParse(integer, out _, out _);
            RespParser.TryParse(partial, out _, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private const string ComplexReply =
        "*4\r\n$5\r\nhello\r\n*2\r\n:42\r\n*2\r\n$-1\r\n-ERR inner\r\n*-1\r\n$10\r\n0123456789\r\n";

    // Mimics the connection's read loop: bytes arrive in chunks of `chunk`, are appended, and
    // complete replies are consumed from the front.
    private static List<string> ParseAll(byte[] stream, int chunk)
    {
        var results = new List<string>();
        var buffer = new List<byte>();
        for (int offset = 0; offset < stream.Length; offset += chunk)
        {
            buffer.AddRange(stream.AsSpan(offset, Math.Min(chunk, stream.Length - offset)).ToArray());
            while (buffer.Count > 0 && RespParser.TryParse(buffer.ToArray(), out var result, out int consumed))
            {
                results.Add(result.ToString());
                buffer.RemoveRange(0, consumed);
            }
        }
        Assert.Empty(buffer);
        return results;
    }
}
