using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace Dispatch.Hocon.Tests;

public class LargeDocumentTests(ITestOutputHelper output)
{
    /// <summary>A document of about <paramref name="targetChars"/> characters that uses most of the syntax.</summary>
    internal static string GenerateDocument(int targetChars)
    {
        var text = new StringBuilder(targetChars + 1024);
        text.Append("defaults { timeout = 30s, retries = 5, tags = [a, b] }\n");
        for (var i = 0; text.Length < targetChars; i++)
        {
            var n = i.ToString(CultureInfo.InvariantCulture);
            text.Append("endpoint-").Append(n).Append(" {\n")
                .Append("  # endpoint number ").Append(n).Append('\n')
                .Append("  base-url = \"https://api.example.com/v1/").Append(n).Append("\"\n")
                .Append("  model = gpt-4o-mini\n")
                .Append("  rate-limit { requests = ").Append(n).Append(", tokens = 90000, interval = 1m }\n")
                .Append("  retry.max-attempts = ${defaults.retries}\n")
                .Append("  timeout = ${defaults.timeout}\n")
                .Append("  headers { \"X-Request-Source\" = dispatch, \"X-Index\" = \"").Append(n).Append("\" }\n")
                .Append("  weights = [0.5, 1.25, 3e2, -4]\n")
                .Append("  tags = ${defaults.tags} [extra-").Append(n).Append("]\n")
                .Append("  enabled = true, cache = null\n")
                .Append("}\n");
        }

        return text.ToString();
    }

    [Fact]
    public void A_one_megabyte_document_parses_and_resolves()
    {
        // Speed is measured by HoconParseBenchmarks (tests/Dispatch.Benchmarks), never asserted here.
        var document = GenerateDocument(1024 * 1024);

        var config = HoconConfig.Parse(document);
        config.Resolve();

        output.WriteLine($"{document.Length} chars parsed and resolved");
        Assert.Equal(5, config.GetInt("endpoint-100.retry.max-attempts"));
    }
}
