using System.Text;
using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests.Redis;

public sealed class RespWriterTests
{
    [Fact]
    public void A_command_is_framed_as_an_array_of_bulk_strings()
    {
        using var writer = new RespWriter(16);
        writer.WriteCommand("SET", ["käy", 42L, 1.5, new byte[] { 0, 1 }, default]);
        string wire = Encoding.UTF8.GetString(writer.WrittenMemory.Span);
        Assert.Equal("*6\r\n$3\r\nSET\r\n$4\r\nkäy\r\n$2\r\n42\r\n$3\r\n1.5\r\n$2\r\n\0\u0001\r\n$0\r\n\r\n", wire);
    }

    [Fact]
    public void The_buffer_grows_for_arguments_larger_than_its_capacity()
    {
        using var writer = new RespWriter(16);
        string big = new('x', 100_000);
        writer.WriteCommand("SET", ["k", big]);
        Assert.EndsWith(big + "\r\n", Encoding.UTF8.GetString(writer.WrittenMemory.Span));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-7L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public void Integer_arguments_are_sized_exactly(long value)
    {
        RedisValue arg = value;
        Assert.Equal(value.ToString(System.Globalization.CultureInfo.InvariantCulture).Length, arg.ByteCount);
    }

    [Fact]
    public void Framing_a_command_of_integers_and_pre_encoded_keys_allocates_nothing()
    {
        using var writer = new RespWriter(4096);
        RedisValue[] args = ["dispatch:budget:{chat}:log"u8.ToArray(), 25L, 2000L, 60_000_000L, 1.5];
        writer.WriteCommand("EVALSHA", args);
        writer.Clear();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            writer.WriteCommand("EVALSHA", args);
            writer.Clear();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
