namespace Dispatch.Core.Protocol;

/// <summary>
/// Opts a call into the endpoint's response cache. A call without a <see cref="CacheControl"/>
/// is never answered from, nor stored in, the cache.
/// </summary>
/// <param name="Ttl">
/// How long a stored answer stays fresh. <see langword="null"/> (the default) uses the
/// endpoint's <c>cache.default-ttl</c>.
/// </param>
/// <param name="NoStore">
/// When <see langword="true"/>, the call may be answered from the cache but its own answer is
/// not stored. Default <see langword="false"/>.
/// </param>
public sealed record CacheControl(TimeSpan? Ttl = null, bool NoStore = false)
{
    /// <summary>Cache with the endpoint's default TTL.</summary>
    public static CacheControl Default { get; } = new();
}
