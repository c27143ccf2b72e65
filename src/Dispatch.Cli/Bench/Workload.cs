using System.Globalization;
using System.Text;

namespace Dispatch.Cli.Bench;

/// <summary>Seeded chat-completion calls whose token charge is known exactly in advance.</summary>
internal static class Workload
{
    /// <summary>The upstream route every client calls.</summary>
    public const string Path = "/v1/chat/completions";

    /// <summary>
    /// Creates <paramref name="count"/> calls with prompt sizes drawn uniformly from the range.
    /// <c>max_tokens</c> never exceeds the prompt, so the upstream completes exactly
    /// <c>max_tokens</c> tokens and charges prompt + max_tokens: every client can reserve the
    /// exact charge, which keeps the accuracy scenario about the limiter, not about estimation.
    /// </summary>
    /// <param name="count">How many calls.</param>
    /// <param name="seed">Seeds the sizes, so every client and run sees the same workload.</param>
    /// <param name="minPromptTokens">Smallest prompt, in tokens (≥ 1).</param>
    /// <param name="maxPromptTokens">Largest prompt, in tokens.</param>
    public static BenchCall[] Create(int count, int seed, int minPromptTokens, int maxPromptTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minPromptTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPromptTokens, minPromptTokens);
        var random = new Random(seed);
        var calls = new BenchCall[count];
        var body = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            var prompt = random.Next(minPromptTokens, maxPromptTokens + 1);
            var maxTokens = random.Next(1, prompt + 1);
            body.Clear()
                .Append("{\"model\":\"bench\",\"messages\":[{\"role\":\"user\",\"content\":\"")
                .Append((char)('a' + i % 26), prompt * 4)
                .Append("\"}],\"max_tokens\":")
                .Append(maxTokens.ToString(CultureInfo.InvariantCulture))
                .Append('}');
            calls[i] = new BenchCall("bench-" + i.ToString("D7", CultureInfo.InvariantCulture), body.ToString(), prompt + maxTokens);
        }

        return calls;
    }
}
