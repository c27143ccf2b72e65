using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Dispatch.Hocon;

namespace Dispatch.Benchmarks.Hocon;

/// <summary>
/// Parsing and resolving a generated HOCON document of about 1 MB (issue 3: "a 1 MB document parses
/// in well under a second"). Run with <c>--filter *HoconParse*</c>.
/// </summary>
[MemoryDiagnoser]
public class HoconParseBenchmarks
{
    /// <summary>One endpoint block; <c>{n}</c> is replaced by its number. Uses comments, path keys,
    /// quoted and unquoted strings, substitutions, object and array concatenation, durations and sizes.</summary>
    private const string EndpointTemplate = """
        dispatch.endpoints.endpoint-{n} = ${dispatch.endpoint-defaults} {
          // endpoint {n}
          base-url = "https://api.example.com/v1/{n}"
          path = /v1/chat/completions
          headers { "X-Request-Source" = dispatch, X-Index = "{n}" }
          rate-limit { requests = {n}, tokens = 90000, interval = 1m }
          retry.max-attempts = 6
          models = ${dispatch.models} [model-{n}]
          weights = [0.5, 1.25, 3e2, -4]
          description = endpoint number {n} of the benchmark
          enabled = on
        }

        """;

    private const string Header = """
        dispatch {
          models = [gpt-4o, gpt-4o-mini]
          endpoint-defaults {
            attempt-timeout = 60s
            max-response-bytes = 8MiB
            retry { max-attempts = 5, base-delay = 500ms, max-delay = 30s }
            breaker { max-failures = 5, reset-timeout = 30s, when-open = reject }
          }
        }

        """;

    private string _document = string.Empty;
    private HoconConfig _parsed = HoconConfig.Empty;

    /// <summary>The size of the generated document in characters.</summary>
    [Params(1024 * 1024)]
    public int Size { get; set; }

    /// <summary>Generates the document once per run.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var text = new StringBuilder(Size + EndpointTemplate.Length).Append(Header);
        for (var n = 0; text.Length < Size; n++)
        {
            text.Append(EndpointTemplate.Replace("{n}", n.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }

        _document = text.ToString();
        _parsed = HoconConfig.Parse(_document);
    }

    /// <summary>Tokenizing and parsing into the unresolved tree.</summary>
    [Benchmark(Baseline = true)]
    public HoconConfig Parse() => HoconConfig.Parse(_document, "benchmark.conf");

    /// <summary>Parsing and resolving every substitution: what loading a configuration costs.</summary>
    [Benchmark]
    public HoconConfig ParseAndResolve() => HoconConfig.Parse(_document, "benchmark.conf").Resolve();

    /// <summary>Rendering the resolved tree as JSON.</summary>
    [Benchmark]
    public string ToJson() => _parsed.ToJson();
}
