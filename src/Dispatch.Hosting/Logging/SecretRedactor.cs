using System.Text.RegularExpressions;

namespace Dispatch.Hosting.Logging;

/// <summary>
/// Removes credentials from text: the exact values of the node's secrets (API keys read from the
/// environment, the ingress token) and anything shaped like a credential header or a provider key.
/// Applied to every rendered log line, so a secret that slipped into a message or property is
/// still never written.
/// </summary>
public sealed partial class SecretRedactor
{
    /// <summary>What replaces a secret.</summary>
    public const string Mask = "***";

    private readonly string[] _secrets;

    /// <summary>Creates a redactor for these secret values (short or empty values are ignored: masking them would mangle ordinary text).</summary>
    /// <param name="secrets">The secret values.</param>
    public SecretRedactor(IEnumerable<string?> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _secrets = secrets.Where(s => s is { Length: >= 6 }).Select(s => s!).Distinct(StringComparer.Ordinal)
            .OrderByDescending(s => s.Length).ToArray();
    }

    /// <summary>A redactor that only applies the credential patterns.</summary>
    public static SecretRedactor PatternsOnly { get; } = new([]);

    /// <summary>The text with every secret and credential-shaped value masked.</summary>
    /// <param name="text">Text about to be written.</param>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var secret in _secrets)
        {
            if (text.Contains(secret, StringComparison.Ordinal)) text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        text = CredentialHeader().Replace(text, m => m.Groups["name"].Value + m.Groups["sep"].Value + Mask);
        text = SchemeToken().Replace(text, m => m.Groups["scheme"].Value + " " + Mask);
        return ProviderKey().Replace(text, Mask);
    }

    // "Authorization: Bearer abc", "x-api-key=abc", "\"api_key\":\"abc\"" and similar.
    [GeneratedRegex("""(?<name>\b(?:authorization|proxy-authorization|x-api-key|api[-_]?key|token)\b["']?)(?<sep>\s*[:=]\s*["']?)(?:(?:Bearer|Basic)\s+)?[^\s"',;}]+""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CredentialHeader();

    [GeneratedRegex(@"(?<scheme>\b(?:Bearer|Basic))\s+[A-Za-z0-9._~+/=\-]{6,}", RegexOptions.CultureInvariant)]
    private static partial Regex SchemeToken();

    // OpenAI- and Anthropic-style keys (sk-..., sk-ant-...).
    [GeneratedRegex(@"\bsk-[A-Za-z0-9_\-]{8,}", RegexOptions.CultureInvariant)]
    private static partial Regex ProviderKey();
}
