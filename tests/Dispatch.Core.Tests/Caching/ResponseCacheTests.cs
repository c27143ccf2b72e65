using Dispatch.Core.Caching;
using Dispatch.Core.Options;
using Dispatch.Core.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Core.Tests.Caching;

public class ResponseCacheTests
{
    private readonly FakeTimeProvider _clock = new();

    private static CacheKey Key(string payload = "{}") => new("e", "POST", "/v1", payload);

    private static APICallResult Done(string id = "first") => APICallResult.Completed(id, 200, "answer") with { Attempts = 2, TokensCharged = 40 };

    [Fact]
    public void A_stored_answer_is_served_to_a_later_identical_call_marked_from_cache()
    {
        var cache = new ResponseCache(new CacheOptions());
        cache.TryStore(Key(), Done(), CacheControl.Default, _clock.GetUtcNow());

        var hit = cache.TryGet(Key(), "second", _clock.GetUtcNow(), out var result);

        Assert.True(hit);
        Assert.Equal(APICallResult.Completed("second", 200, "answer") with { FromCache = true }, result);
    }

    [Fact]
    public void A_call_with_a_different_payload_misses()
    {
        var cache = new ResponseCache(new CacheOptions());
        cache.TryStore(Key("{\"a\":1}"), Done(), CacheControl.Default, _clock.GetUtcNow());

        Assert.False(cache.TryGet(Key("{\"a\":2}"), "second", _clock.GetUtcNow(), out _));
    }

    [Fact]
    public void The_same_payload_sent_to_another_path_misses()
    {
        var cache = new ResponseCache(new CacheOptions());
        cache.TryStore(Key(), Done(), CacheControl.Default, _clock.GetUtcNow());

        Assert.False(cache.TryGet(Key() with { Path = "/v2" }, "second", _clock.GetUtcNow(), out _));
    }

    [Fact]
    public void An_answer_expires_after_its_ttl()
    {
        var cache = new ResponseCache(new CacheOptions());
        cache.TryStore(Key(), Done(), new CacheControl(TimeSpan.FromSeconds(10)), _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(10));

        Assert.False(cache.TryGet(Key(), "second", _clock.GetUtcNow(), out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Without_a_ttl_of_its_own_an_answer_lives_for_the_default_ttl()
    {
        var cache = new ResponseCache(new CacheOptions { DefaultTtl = TimeSpan.FromSeconds(30) });
        cache.TryStore(Key(), Done(), CacheControl.Default, _clock.GetUtcNow());

        _clock.Advance(TimeSpan.FromSeconds(29));

        Assert.True(cache.TryGet(Key(), "second", _clock.GetUtcNow(), out _));
    }

    [Fact]
    public void When_full_the_least_recently_used_answer_is_evicted()
    {
        var cache = new ResponseCache(new CacheOptions { MaxEntries = 2 });
        cache.TryStore(Key("a"), Done(), CacheControl.Default, _clock.GetUtcNow());
        cache.TryStore(Key("b"), Done(), CacheControl.Default, _clock.GetUtcNow());
        cache.TryGet(Key("a"), "x", _clock.GetUtcNow(), out _);

        cache.TryStore(Key("c"), Done(), CacheControl.Default, _clock.GetUtcNow());

        Assert.True(cache.TryGet(Key("a"), "x", _clock.GetUtcNow(), out _));
        Assert.False(cache.TryGet(Key("b"), "x", _clock.GetUtcNow(), out _));
        Assert.True(cache.TryGet(Key("c"), "x", _clock.GetUtcNow(), out _));
    }

    [Fact]
    public void Failed_answers_are_not_stored()
    {
        var cache = new ResponseCache(new CacheOptions());

        var stored = cache.TryStore(Key(), APICallResult.Failed("c", ErrorKind.Server, "503", 503), CacheControl.Default, _clock.GetUtcNow());

        Assert.False(stored);
    }

    [Fact]
    public void No_store_answers_are_not_stored()
    {
        var cache = new ResponseCache(new CacheOptions());

        var stored = cache.TryStore(Key(), Done(), new CacheControl(NoStore: true), _clock.GetUtcNow());

        Assert.False(stored);
    }

    [Fact]
    public void A_cache_with_no_entries_allowed_stores_nothing()
    {
        var cache = new ResponseCache(new CacheOptions { MaxEntries = 0 });

        Assert.False(cache.TryStore(Key(), Done(), CacheControl.Default, _clock.GetUtcNow()));
    }

    [Fact]
    public void The_key_of_a_call_applies_its_method_and_path_overrides()
    {
        var endpoint = new EndpointOptions("e", "https://x") { Path = "/v1" };
        var call = new APICalling("c", "e", "{}") { Method = "PUT", Path = "/v2" };

        Assert.Equal(new CacheKey("e", "PUT", "/v2", "{}"), CacheKey.For(call, endpoint));
    }
}
