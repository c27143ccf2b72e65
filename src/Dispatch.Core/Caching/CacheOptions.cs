using Dispatch.Core.Options;

namespace Dispatch.Core.Caching;

/// <summary>
/// An endpoint's response cache (configuration key <c>cache</c>). Only calls that carry a
/// <c>CacheControl</c> use it.
/// </summary>
public sealed record CacheOptions : OptionsSection
{
    /// <summary>The configuration key of this section under an endpoint.</summary>
    public const string Key = "cache";

    /// <inheritdoc />
    public override string SectionKey => Key;

    /// <summary>Answers kept at most (<c>max-entries</c>); the least recently used goes first. Default 1,024; 0 disables the cache.</summary>
    public int MaxEntries { get; init; } = 1024;

    /// <summary>How long an answer stays fresh when the call does not say (<c>default-ttl</c>). Default 5 minutes.</summary>
    public TimeSpan DefaultTtl { get; init; } = TimeSpan.FromMinutes(5);

    internal override void Check(OptionsErrors errors, string path)
    {
        errors.NonNegative(path + ".max-entries", MaxEntries);
        errors.Positive(path + ".default-ttl", DefaultTtl);
    }
}
