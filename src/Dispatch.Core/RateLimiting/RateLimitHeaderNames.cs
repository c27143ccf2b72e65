using Dispatch.Core.Options;

namespace Dispatch.Core.RateLimiting;

/// <summary>
/// The response headers a provider reports its limits in (<c>rate-limit.headers</c>): for each
/// figure, the names tried in order, the first present wins. In HOCON each is one string of
/// comma-separated names. The defaults read OpenAI's <c>x-ratelimit-*</c> and Anthropic's
/// <c>anthropic-ratelimit-*</c>; a reset may be a duration (<c>8.5s</c>, <c>6m0s</c>, <c>20ms</c>),
/// a number of seconds, or an RFC 3339 instant.
/// </summary>
public sealed record RateLimitHeaderNames
{
    /// <summary>OpenAI's and Anthropic's names.</summary>
    public static RateLimitHeaderNames Default { get; } = new();

    /// <summary>The request limit per interval (<c>limit-requests</c>).</summary>
    public IReadOnlyList<string> LimitRequests { get; init; } = ["x-ratelimit-limit-requests", "anthropic-ratelimit-requests-limit"];

    /// <summary>Requests left (<c>remaining-requests</c>).</summary>
    public IReadOnlyList<string> RemainingRequests { get; init; } = ["x-ratelimit-remaining-requests", "anthropic-ratelimit-requests-remaining"];

    /// <summary>When the request budget is whole again (<c>reset-requests</c>).</summary>
    public IReadOnlyList<string> ResetRequests { get; init; } = ["x-ratelimit-reset-requests", "anthropic-ratelimit-requests-reset"];

    /// <summary>The token limit per interval (<c>limit-tokens</c>).</summary>
    public IReadOnlyList<string> LimitTokens { get; init; } = ["x-ratelimit-limit-tokens", "anthropic-ratelimit-tokens-limit"];

    /// <summary>Tokens left (<c>remaining-tokens</c>).</summary>
    public IReadOnlyList<string> RemainingTokens { get; init; } = ["x-ratelimit-remaining-tokens", "anthropic-ratelimit-tokens-remaining"];

    /// <summary>When the token budget is whole again (<c>reset-tokens</c>).</summary>
    public IReadOnlyList<string> ResetTokens { get; init; } = ["x-ratelimit-reset-tokens", "anthropic-ratelimit-tokens-reset"];

    /// <summary>The HOCON keys, in order, with how to read and set each.</summary>
    internal static IReadOnlyList<(string Key, Func<RateLimitHeaderNames, IReadOnlyList<string>> Get, Func<RateLimitHeaderNames, IReadOnlyList<string>, RateLimitHeaderNames> Set)> Keys { get; } =
    [
        ("limit-requests", n => n.LimitRequests, (n, v) => n with { LimitRequests = v }),
        ("remaining-requests", n => n.RemainingRequests, (n, v) => n with { RemainingRequests = v }),
        ("reset-requests", n => n.ResetRequests, (n, v) => n with { ResetRequests = v }),
        ("limit-tokens", n => n.LimitTokens, (n, v) => n with { LimitTokens = v }),
        ("remaining-tokens", n => n.RemainingTokens, (n, v) => n with { RemainingTokens = v }),
        ("reset-tokens", n => n.ResetTokens, (n, v) => n with { ResetTokens = v }),
    ];

    /// <summary>These names with the figures in <paramref name="map"/> (key → comma-separated names) replaced; unknown keys go to <paramref name="errors"/>.</summary>
    internal RateLimitHeaderNames With(IReadOnlyDictionary<string, string> map, string path, ICollection<string> errors)
    {
        var names = this;
        foreach (var (key, value) in map)
        {
            var entry = Keys.FirstOrDefault(k => k.Key == key);
            if (entry.Key is null)
            {
                errors.Add($"{path}.{key} is not a rate-limit figure (one of {string.Join(", ", Keys.Select(k => k.Key))})");
                continue;
            }

            var list = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (!list.SequenceEqual(entry.Get(names), StringComparer.OrdinalIgnoreCase)) names = entry.Set(names, list);
        }

        return names;
    }

    /// <summary>Equal when every figure has the same names in the same order (header names ignore case).</summary>
    /// <param name="other">The names to compare with.</param>
    public bool Equals(RateLimitHeaderNames? other) =>
        other is not null && Keys.All(k => (k.Get(this) ?? []).SequenceEqual(k.Get(other) ?? [], StringComparer.OrdinalIgnoreCase));

    /// <inheritdoc />
    public override int GetHashCode() => LimitRequests?.Count ?? 0;

    internal void Check(OptionsErrors errors, string path)
    {
        foreach (var (key, get, _) in Keys)
        {
            if (get(this) is null) errors.Add($"{path}.{key}", "must not be null (an empty list reads nothing)");
        }
    }
}
