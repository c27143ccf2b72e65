using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests.Redis;

[Collection(RedisCollection.Name)]
public sealed class RedisStreamTests(RedisServerFixture redis)
{
    private static string Key(string name) => $"test:{name}:{Guid.NewGuid():N}";

    [Fact]
    public async Task Creating_an_existing_group_is_not_an_error()
    {
        await using var connection = await redis.ConnectAsync();
        string stream = Key("stream");

        Assert.True(await connection.XGroupCreateAsync(stream, "executors"));
        Assert.False(await connection.XGroupCreateAsync(stream, "executors"));
        Assert.Equal(0, await connection.XLenAsync(stream));
    }

    [Fact]
    public async Task An_entry_is_added_read_by_the_group_and_acknowledged()
    {
        await using var connection = await redis.ConnectAsync();
        string stream = Key("stream");
        await connection.XGroupCreateAsync(stream, "executors", "0");
        string id = await connection.XAddAsync(stream, [new("call", "c-1"), new("payload", "{\"n\":1}")]);

        var entries = await connection.XReadGroupAsync(stream, "executors", "node-a", count: 10, block: TimeSpan.FromMilliseconds(100));

        var entry = Assert.Single(entries);
        Assert.Equal(id, entry.Id);
        Assert.Equal("c-1", entry["call"]);
        Assert.Equal("{\"n\":1}", entry["payload"]);
        Assert.Equal(1, (await connection.XPendingAsync(stream, "executors")).Count);

        Assert.Equal(1, await connection.XAckAsync(stream, "executors", id));

        var pending = await connection.XPendingAsync(stream, "executors");
        Assert.Equal(0, pending.Count);
        Assert.Null(pending.LowestId);
        Assert.Empty(pending.Consumers);
    }

    [Fact]
    public async Task A_blocking_read_with_nothing_new_returns_empty_after_the_block()
    {
        await using var connection = await redis.ConnectAsync();
        string stream = Key("stream");
        await connection.XGroupCreateAsync(stream, "executors");

        var entries = await connection.XReadGroupAsync(stream, "executors", "node-a", count: 10, block: TimeSpan.FromMilliseconds(20));

        Assert.Empty(entries);
    }

    [Fact]
    public async Task A_zero_block_time_is_refused_because_redis_would_block_forever()
    {
        await using var connection = await redis.ConnectAsync();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            connection.XReadGroupAsync(Key("stream"), "executors", "node-a", count: 1, block: TimeSpan.Zero));
    }

    [Fact]
    public async Task Entries_left_pending_by_a_dead_consumer_are_claimed_after_the_idle_time()
    {
        await using var connection = await redis.ConnectAsync();
        string stream = Key("stream");
        await connection.XGroupCreateAsync(stream, "executors", "0");
        string first = await connection.XAddAsync(stream, [new("call", "c-1")]);
        string second = await connection.XAddAsync(stream, [new("call", "c-2")]);
        await connection.XReadGroupAsync(stream, "executors", "dead-node", count: 10);

        var tooSoon = await connection.XAutoClaimAsync(stream, "executors", "live-node", TimeSpan.FromMinutes(1));
        Assert.Empty(tooSoon.Entries);

        // Idle time is measured by the server's clock; a short real wait is the only way to age an entry.
        await Task.Delay(60);
        var claimed = await connection.XAutoClaimAsync(stream, "executors", "live-node", TimeSpan.FromMilliseconds(50));

        Assert.Equal([first, second], claimed.Entries.Select(e => e.Id));
        Assert.Equal("c-2", claimed.Entries[1]["call"]);
        Assert.Equal("0-0", claimed.NextStartId);
        Assert.Empty(claimed.DeletedIds);
        var pending = await connection.XPendingAsync(stream, "executors");
        Assert.Equal("live-node", Assert.Single(pending.Consumers).Key);
        Assert.Equal(2, pending.Consumers[0].Value);
    }

    [Fact]
    public async Task A_consumer_rereads_its_own_pending_entries_with_id_zero()
    {
        await using var connection = await redis.ConnectAsync();
        string stream = Key("stream");
        await connection.XGroupCreateAsync(stream, "executors", "0");
        string id = await connection.XAddAsync(stream, [new("call", "c-1")], approximateMaxLength: 1000);
        await connection.XReadGroupAsync(stream, "executors", "node-a", count: 10);

        var again = await connection.XReadGroupAsync(stream, "executors", "node-a", count: 10, id: "0");

        Assert.Equal(id, Assert.Single(again).Id);
    }

    [Fact]
    public async Task A_claimed_entry_deleted_from_the_stream_is_reported_as_deleted()
    {
        await using var connection = await redis.ConnectAsync();
        string stream = Key("stream");
        await connection.XGroupCreateAsync(stream, "executors", "0");
        string id = await connection.XAddAsync(stream, [new("call", "c-1")]);
        await connection.XReadGroupAsync(stream, "executors", "dead-node", count: 10);
        await connection.ExecuteAsync("XDEL", stream, id);

        var claimed = await connection.XAutoClaimAsync(stream, "executors", "live-node", TimeSpan.Zero);

        Assert.Empty(claimed.Entries);
        Assert.Equal([id], claimed.DeletedIds);
    }
}
