using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests.Redis;

[Collection(RedisCollection.Name)]
public sealed class RedisConnectionTests(RedisServerFixture redis)
{
    private static string Key(string name) => $"test:{name}:{Guid.NewGuid():N}";

    [Fact]
    public async Task Ping_answers_pong()
    {
        await using var connection = await redis.ConnectAsync();
        Assert.Equal("PONG", await connection.PingAsync());
    }

    [Fact]
    public async Task Every_reply_type_round_trips_from_the_real_server()
    {
        await using var connection = await redis.ConnectAsync();
        string key = Key("types");

        Assert.Equal("OK", (await connection.ExecuteAsync("SET", key, "v")).AsString());
        Assert.Equal(RedisResultType.SimpleString, (await connection.ExecuteAsync("SET", key, "v")).Type);
        Assert.Equal(5, (await connection.ExecuteAsync("APPEND", key, "1234")).AsLong());
        Assert.Equal("v1234", (await connection.ExecuteAsync("GET", key)).AsString());
        Assert.True((await connection.ExecuteAsync("GET", Key("missing"))).IsNull);

        var nested = await connection.ExecuteAsync("EVAL", "return {1, 'two', {3, {'four'}}, false}", 0);
        Assert.Equal(1, nested[0].AsLong());
        Assert.Equal("two", nested[1].AsString());
        Assert.Equal(3, nested[2][0].AsLong());
        Assert.Equal("four", nested[2][1][0].AsString());
        Assert.True(nested[3].IsNull);

        Assert.True((await connection.ExecuteAsync("EVAL", "return redis.call('XREAD', 'COUNT', 1, 'STREAMS', KEYS[1], '0')", 1, Key("nostream"))).IsNull);
    }

    [Fact]
    public async Task Binary_values_survive_the_round_trip()
    {
        await using var connection = await redis.ConnectAsync();
        string key = Key("binary");
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        await connection.SetAsync(key, bytes);
        Assert.Equal(bytes, (await connection.ExecuteAsync("GET", key)).AsBytes());
    }

    [Fact]
    public async Task A_value_larger_than_the_receive_buffer_is_read_whole()
    {
        await using var connection = await redis.ConnectAsync();
        string key = Key("large");
        string value = string.Concat(Enumerable.Repeat("0123456789abcdef", 64 * 1024));
        await connection.SetAsync(key, value);
        Assert.Equal(value, await connection.GetAsync(key));
    }

    [Fact]
    public async Task Many_concurrent_commands_on_one_connection_get_their_own_replies()
    {
        await using var connection = await redis.ConnectAsync();
        string prefix = Key("pipeline");
        await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => connection.SetAsync($"{prefix}:{i}", $"value-{i}")));

        var replies = await Task.WhenAll(Enumerable.Range(0, 2000).Select(async i =>
        {
            await Task.Yield();
            return (i, value: await connection.GetAsync($"{prefix}:{i}"));
        }));

        Assert.All(replies, reply => Assert.Equal($"value-{reply.i}", reply.value));
        Assert.Equal(0, connection.PendingCount);
        Assert.Equal(4000, connection.CommandsSent);
    }

    [Fact]
    public async Task A_server_error_raises_RedisServerException_with_the_servers_message_and_the_connection_stays_usable()
    {
        await using var connection = await redis.ConnectAsync();
        string key = Key("wrongtype");
        await connection.ExecuteAsync("LPUSH", key, "x");

        var error = await Assert.ThrowsAsync<RedisServerException>(() => connection.GetAsync(key));

        Assert.StartsWith("WRONGTYPE", error.ServerMessage);
        Assert.Equal("WRONGTYPE", error.ErrorKind);
        Assert.Equal("GET", error.Command);
        Assert.Equal("PONG", await connection.PingAsync());
    }

    [Fact]
    public async Task A_cancelled_wait_does_not_shift_the_replies_of_later_commands()
    {
        await using var connection = await redis.ConnectAsync();
        await using var blocker = await redis.ConnectAsync();
        string list = Key("blocking");
        using var cts = new CancellationTokenSource();

        // BLPOP holds the pipeline: the GET behind it waits until it is answered.
        var blocked = connection.ExecuteAsync("BLPOP", new RedisValue[] { list, 5 }, cts.Token);
        string key = Key("after");
        var next = connection.ExecuteAsync("SET", key, "after-cancel");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked);

        await blocker.ExecuteAsync("RPUSH", list, "item");
        Assert.Equal("OK", (await next).AsString());
        Assert.Equal("after-cancel", await connection.GetAsync(key));
    }

    [Fact]
    public async Task Cancelling_some_of_many_concurrent_commands_leaves_the_others_matched()
    {
        await using var connection = await redis.ConnectAsync();
        string prefix = Key("cancel-mix");
        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => connection.SetAsync($"{prefix}:{i}", i)));
        var random = new Random(7);
        using var cancelled = new CancellationTokenSource();

        var calls = Enumerable.Range(0, 500).Select(i =>
        {
            bool cancel = random.Next(3) == 0;
            var task = connection.ExecuteAsync("GET", new RedisValue[] { $"{prefix}:{i}" }, cancel ? cancelled.Token : default);
            return (i, cancel, task);
        }).ToArray();
        await cancelled.CancelAsync();

        foreach (var (i, cancel, task) in calls)
        {
            if (cancel)
            {
                // A cancelled caller either stopped waiting or had its reply already.
                try { Assert.Equal(i, (await task).AsLong()); }
                catch (OperationCanceledException) { }
            }
            else
            {
                Assert.Equal(i, (await task).AsLong());
            }
        }
        Assert.Equal("PONG", await connection.PingAsync());
    }

    [Fact]
    public async Task An_already_cancelled_token_sends_nothing()
    {
        await using var connection = await redis.ConnectAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            connection.ExecuteAsync("PING", ReadOnlyMemory<RedisValue>.Empty, new CancellationToken(true)));
        Assert.Equal(0, connection.PendingCount);
    }

    [Fact]
    public async Task A_killed_connection_faults_pending_commands_with_the_endpoint_in_the_message()
    {
        await using var connection = await redis.ConnectAsync();
        await using var admin = await redis.ConnectAsync();
        await connection.ExecuteAsync("CLIENT", "SETNAME", "victim");
        long id = (await connection.ExecuteAsync("CLIENT", "ID")).AsLong();
        var pending = connection.ExecuteAsync("BLPOP", Key("never"), 30);

        await admin.ExecuteAsync("CLIENT", "KILL", "ID", id);

        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => pending);
        Assert.Contains(redis.Server.Endpoint, error.Message);
        Assert.False(connection.IsConnected);
        await Assert.ThrowsAsync<RedisConnectionException>(() => connection.PingAsync());
    }

    [Fact]
    public async Task Disposing_closes_the_socket_and_faults_pending_commands()
    {
        var connection = await redis.ConnectAsync();
        var pending = connection.ExecuteAsync("BLPOP", Key("never"), 30);

        await connection.DisposeAsync();

        await Assert.ThrowsAsync<RedisConnectionException>(() => pending);
        await Assert.ThrowsAsync<RedisConnectionException>(() => connection.PingAsync());
    }

    [Fact]
    public async Task Connecting_to_a_closed_port_fails_with_the_endpoint_in_the_message()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync(RedisOptions.For($"127.0.0.1:{port}")));

        Assert.Contains($"127.0.0.1:{port}", error.Message);
    }

    [Fact]
    public async Task A_wrong_password_fails_the_connection_with_the_servers_reason()
    {
        var options = redis.Server.Options with { Password = "not-the-password" };
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync(options));
        Assert.Contains("AUTH", error.Message);
    }

    [Fact]
    public async Task The_configured_database_is_selected()
    {
        await using var db3 = await RedisConnection.ConnectAsync(redis.Server.Options with { Database = 3 });
        await using var db0 = await redis.ConnectAsync();
        string key = Key("db");
        await db3.SetAsync(key, "in-three");
        Assert.Equal("in-three", await db3.GetAsync(key));
        Assert.Null(await db0.GetAsync(key));
    }

    [Fact]
    public async Task A_reply_overdue_past_the_command_timeout_fails_the_connection()
    {
        await using var connection = await RedisConnection.ConnectAsync(redis.Server.Options with { CommandTimeout = TimeSpan.FromMilliseconds(100) });

        // BLPOP stands in for a server that stopped answering: no reply comes for 30 s.
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => connection.ExecuteAsync("BLPOP", Key("never"), 30));

        Assert.Contains("no reply to BLPOP", error.Message);
        Assert.False(connection.IsConnected);
    }
}
