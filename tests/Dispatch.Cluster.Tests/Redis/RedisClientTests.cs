using System.Collections.Concurrent;
using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests.Redis;

// Each test here owns its redis-server, because it stops and restarts it.
public sealed class RedisClientTests
{
    [Fact]
    public async Task The_client_connects_on_first_use()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = new RedisClient(server.Options);
        Assert.Equal(RedisConnectionState.Disconnected, client.State);

        Assert.Equal("PONG", await client.PingAsync());

        Assert.Equal(RedisConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task Pending_commands_fault_when_the_server_dies_and_the_client_reconnects_when_it_returns()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = new RedisClient(server.Options);
        var states = new ConcurrentQueue<RedisConnectionState>();
        client.StateChanged += (_, change) => states.Enqueue(change.Current);
        await client.SetAsync("before", "1");
        var pending = client.ExecuteAsync("BLPOP", "never", 30);

        await server.StopAsync();

        var lost = await Assert.ThrowsAsync<RedisConnectionException>(() => pending);
        Assert.Contains(server.Endpoint, lost.Message);
        var down = await Assert.ThrowsAsync<RedisConnectionException>(() => client.PingAsync());
        Assert.Contains(server.Endpoint, down.Message);

        await server.StartAgainAsync();

        Assert.Equal("PONG", await Eventually.SucceedsAsync(() => client.PingAsync()));
        Assert.Equal(RedisConnectionState.Connected, client.State);
        Assert.True(client.CommandsSent >= 3, "commands of the lost connection still count");
        Assert.Contains(RedisConnectionState.Disconnected, states);
        Assert.Equal(RedisConnectionState.Connected, states.Last());
    }

    [Fact]
    public async Task While_backing_off_a_command_fails_at_once_and_says_when_the_next_attempt_is()
    {
        await using var server = await RedisServer.StartAsync();
        var options = server.Options with { ReconnectMinBackoff = TimeSpan.FromMinutes(1), ReconnectMaxBackoff = TimeSpan.FromMinutes(1) };
        await using var client = new RedisClient(options);
        await client.PingAsync();
        await server.StopAsync();

        // The first commands after the loss may still meet the dead socket or make the one reconnect
        // attempt; after that attempt fails, the client must refuse at once until the backoff ends.
        var error = await FirstErrorMentioningAsync(client, "next reconnect attempt in");

        Assert.Contains("failed attempts", error.Message);
        Assert.Contains(server.Endpoint, error.Message);
    }

    [Fact]
    public async Task A_client_whose_server_is_down_fails_with_the_endpoint_and_the_reason()
    {
        await using var server = await RedisServer.StartAsync();
        await server.StopAsync();
        await using var client = new RedisClient(server.Options);
        var states = new ConcurrentQueue<RedisConnectionStateChangedEventArgs>();
        client.StateChanged += (_, change) => states.Enqueue(change);

        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => client.PingAsync());

        Assert.Contains($"Could not connect to Redis at {server.Endpoint}", error.Message);
        Assert.Equal(RedisConnectionState.Disconnected, client.State);
        Assert.Equal([RedisConnectionState.Connecting, RedisConnectionState.Disconnected], states.Select(s => s.Current));
        Assert.NotNull(states.Last().Error);
    }

    [Fact]
    public async Task A_password_protected_server_accepts_the_configured_password_and_user()
    {
        await using var server = await RedisServer.StartAsync();
        await using (var admin = await RedisConnection.ConnectAsync(server.Options))
            await admin.ExecuteAsync("CONFIG", "SET", "requirepass", "s3cret");

        await using var withPassword = new RedisClient(server.Options with { Password = "s3cret" });
        await using var withUser = new RedisClient(server.Options with { User = "default", Password = "s3cret" });
        await using var without = await RedisConnection.ConnectAsync(server.Options);

        Assert.Equal("PONG", await withPassword.PingAsync());
        Assert.Equal("PONG", await withUser.PingAsync());
        Assert.Equal("NOAUTH", (await Assert.ThrowsAsync<RedisServerException>(() => without.PingAsync())).ErrorKind);
    }

    [Fact]
    public async Task Disposing_the_client_faults_its_pending_commands()
    {
        await using var server = await RedisServer.StartAsync();
        var client = new RedisClient(server.Options);
        await client.ConnectAsync();
        var pending = client.ExecuteAsync("BLPOP", "never", 30);

        await client.DisposeAsync();

        await Assert.ThrowsAsync<RedisConnectionException>(() => pending);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.PingAsync());
    }

    private static async Task<RedisConnectionException> FirstErrorMentioningAsync(RedisClient client, string text)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            var error = await Assert.ThrowsAsync<RedisConnectionException>(() => client.PingAsync());
            if (error.Message.Contains(text, StringComparison.Ordinal)) return error;
        }
        throw new Xunit.Sdk.XunitException($"No error mentioned '{text}'.");
    }
}
