using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests.Redis;

[Collection(RedisCollection.Name)]
public sealed class RedisCommandsTests(RedisServerFixture redis)
{
    private static string Key(string name) => $"test:{name}:{Guid.NewGuid():N}";

    [Fact]
    public async Task Set_with_nx_only_writes_a_missing_key_and_px_gives_it_a_ttl()
    {
        await using var connection = await redis.ConnectAsync();
        string key = Key("nx");

        Assert.True(await connection.SetAsync(key, "first", TimeSpan.FromMinutes(1), onlyIfAbsent: true));
        Assert.False(await connection.SetAsync(key, "second", onlyIfAbsent: true));

        Assert.Equal("first", await connection.GetAsync(key));
        var ttl = await connection.TimeToLiveAsync(key);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Incr_expire_and_del_behave_as_in_redis()
    {
        await using var connection = await redis.ConnectAsync();
        string key = Key("counter");

        Assert.Equal(5, await connection.IncrByAsync(key, 5));
        Assert.Equal(3, await connection.IncrByAsync(key, -2));
        Assert.True(await connection.ExpireAsync(key, TimeSpan.FromMinutes(5)));
        Assert.False(await connection.ExpireAsync(Key("missing"), TimeSpan.FromMinutes(5)));
        Assert.Equal(1, await connection.DelAsync(key, Key("missing")));
        Assert.Null(await connection.GetAsync(key));
    }

    [Fact]
    public async Task Hash_fields_round_trip()
    {
        await using var connection = await redis.ConnectAsync();
        string key = Key("hash");

        long added = await connection.HSetAsync(key, [new("node", "a"), new("inflight", 3)]);

        Assert.Equal(2, added);
        var fields = await connection.HGetAllAsync(key);
        Assert.Equal("a", fields["node"]);
        Assert.Equal("3", fields["inflight"]);
        Assert.Empty(await connection.HGetAllAsync(Key("missing")));
    }

    [Fact]
    public async Task Scan_lists_every_matching_key_across_pages()
    {
        await using var connection = await redis.ConnectAsync();
        string prefix = Key("members");
        for (int i = 0; i < 250; i++) await connection.SetAsync($"{prefix}:{i}", i);

        var keys = await connection.KeysAsync(prefix + ":*");

        Assert.Equal(250, keys.Count);
    }

    [Fact]
    public async Task Time_is_the_servers_clock()
    {
        await using var connection = await redis.ConnectAsync();
        var serverTime = await connection.TimeAsync();
        Assert.InRange(serverTime, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
    }

    [Fact]
    public async Task Publish_reports_no_receivers_when_nobody_listens()
    {
        await using var connection = await redis.ConnectAsync();
        Assert.Equal(0, await connection.PublishAsync(Key("channel"), "hello"));
    }
}
