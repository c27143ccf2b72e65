using Dispatch.Cluster.Redis;

namespace Dispatch.Cluster.Tests.Redis;

[Collection(RedisCollection.Name)]
public sealed class RedisScriptTests(RedisServerFixture redis)
{
    private static readonly RedisScript Echo = new("return {KEYS[1], ARGV[1], tonumber(ARGV[2]) * 2}");

    [Fact]
    public async Task The_script_sha_matches_the_one_the_server_computes()
    {
        await using var connection = await redis.ConnectAsync();
        Assert.Equal(Echo.Sha1, await connection.ScriptLoadAsync(Echo.Text));
    }

    [Fact]
    public async Task EvalSha_runs_a_loaded_script_with_keys_and_arguments()
    {
        await using var connection = await redis.ConnectAsync();
        await connection.ScriptLoadAsync(Echo.Text);

        var reply = await connection.EvalShaAsync(Echo, new RedisValue[] { "k" }, new RedisValue[] { "a", 21 });

        Assert.Equal("k", reply[0].AsString());
        Assert.Equal("a", reply[1].AsString());
        Assert.Equal(42, reply[2].AsLong());
    }

    [Fact]
    public async Task EvalSha_falls_back_to_eval_after_the_script_cache_is_flushed()
    {
        await using var connection = await redis.ConnectAsync();
        await connection.ScriptLoadAsync(Echo.Text);
        await connection.ExecuteAsync("SCRIPT", "FLUSH");

        var reply = await connection.EvalShaAsync(Echo, new RedisValue[] { "k" }, new RedisValue[] { "a", 1 });

        Assert.Equal(2, reply[2].AsLong());
        Assert.Equal(1, (await connection.ExecuteAsync("SCRIPT", "EXISTS", Echo.Sha1))[0].AsLong());
    }

    [Fact]
    public async Task A_script_error_raises_RedisServerException()
    {
        await using var connection = await redis.ConnectAsync();
        var failing = new RedisScript("return redis.error_reply('BUDGET broken')");

        var error = await Assert.ThrowsAsync<RedisServerException>(() => connection.EvalShaAsync(failing, default, default));

        Assert.Equal("BUDGET broken", error.ServerMessage);
    }
}
