using Dispatch.Core.Options;

namespace Dispatch.Core.Tokens;

/// <summary>How the default estimator guesses a call's tokens (configuration key <c>token-estimation</c>).</summary>
public sealed record TokenEstimationOptions : OptionsSection
{
    /// <summary>The configuration key of this section under an endpoint.</summary>
    public const string Key = "token-estimation";

    /// <inheritdoc />
    public override string SectionKey => Key;

    /// <summary>Characters of prompt text per token (<c>chars-per-token</c>). Default 4, about right for English with OpenAI's tokenizers.</summary>
    public double CharsPerToken { get; init; } = 4.0;

    /// <summary>
    /// Completion tokens assumed for a chat or completion payload without <c>max_tokens</c> or
    /// <c>max_completion_tokens</c> (<c>default-max-tokens</c>). Default 256: large enough that
    /// typical answers do not push the real usage far past the estimate, small enough not to
    /// starve the token budget. Payloads with only <c>input</c> (embeddings) expect no completion.
    /// </summary>
    public int DefaultMaxTokens { get; init; } = 256;

    internal override void Check(OptionsErrors errors, string path)
    {
        errors.Positive(path + ".chars-per-token", CharsPerToken);
        errors.NonNegative(path + ".default-max-tokens", DefaultMaxTokens);
    }
}
