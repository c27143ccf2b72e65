using System.Collections.Concurrent;

namespace Dispatch.FakeUpstream.RateLimiting;

/// <summary>
/// One <see cref="SlidingWindow"/> per API key, found without allocating: the key arrives as a
/// slice of a header value and is only turned into a string the first time it is seen.
/// </summary>
internal sealed class KeyedRateLimiter
{
    private ConcurrentDictionary<string, SlidingWindow> _windows = NewMap();

    /// <summary>The window of <paramref name="apiKey"/>, created on first use.</summary>
    public SlidingWindow For(ReadOnlySpan<char> apiKey)
    {
        var lookup = Volatile.Read(ref _windows).GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(apiKey, out var window)) return window;
        return lookup.Dictionary.GetOrAdd(apiKey.ToString(), static _ => new SlidingWindow());
    }

    /// <summary>The largest request and token counts any key saw within one window.</summary>
    public (long Requests, long Tokens) Peaks()
    {
        long requests = 0, tokens = 0;
        foreach (var pair in Volatile.Read(ref _windows))
        {
            requests = Math.Max(requests, pair.Value.PeakRequests);
            tokens = Math.Max(tokens, pair.Value.PeakTokens);
        }

        return (requests, tokens);
    }

    /// <summary>Forgets every key's window, as if no request had arrived.</summary>
    public void Reset() => Volatile.Write(ref _windows, NewMap());

    private static ConcurrentDictionary<string, SlidingWindow> NewMap() => new(StringComparer.Ordinal);
}
