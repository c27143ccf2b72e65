using System.Text;

namespace Dispatch.Hocon.Tests.Parsing;

public class FuzzTests
{
    private const string Sample = """"
        # a sample with every construct
        dispatch {
          endpoints.openai {
            base-url = "https://api.openai.com"
            timeout = 30s
            headers { "Content-Type" = application/json }
            models = [gpt-4o, "gpt-4o-mini", ${?EXTRA_MODEL}]
          }
          retry { max-attempts = 5, base-delay = 500ms }
          path = /bin
          path = ${dispatch.path}":/usr/bin"
          list = [1, 2] [3]
          list += 4
          text = """multi
        line "quoted" text"""
          merged = ${dispatch.retry} { jitter = 0.2 }
          size = 64KiB
          on = yes, off = no, n = null
        }
        a.b."c.d" = 1.5e3
        """";

    private static readonly string[] Fragments =
    [
        "a", "b.c", "\"q\"", "\"\"\"t\"\"\"", " ", "\n", "\t", "=", ":", "+=", ",", "{", "}", "[", "]",
        "${a}", "${?b.c}", "${", "$", "#", "//", "1", "-2.5e3", "true", "null", "include", "include \"x.conf\"",
        "required(", "file(", ")", "\\", "\"\\u00e9\"", "\"\\ud800\"", "\"\\", "\"", "?", "^", "10s", "64KiB", ".", "..",
        "\r\n", "\uFEFF", "é", "a = ${a} x", "a { b = ${a.b} }", "x = [${x}]",
    ];

    [Fact]
    public void Random_documents_either_parse_or_fail_with_a_hocon_exception()
    {
        var random = new Random(20261122);
        var text = new StringBuilder();
        for (var i = 0; i < 4000; i++)
        {
            text.Clear();
            var length = random.Next(1, 40);
            for (var j = 0; j < length; j++)
            {
                text.Append(Fragments[random.Next(Fragments.Length)]);
            }

            AssertParsesOrFailsCleanly(text.ToString());
        }
    }

    [Fact]
    public void Truncated_documents_either_parse_or_fail_with_a_hocon_exception()
    {
        for (var cut = 0; cut <= Sample.Length; cut++)
        {
            AssertParsesOrFailsCleanly(Sample[..cut]);
        }
    }

    [Fact]
    public void Mutated_documents_either_parse_or_fail_with_a_hocon_exception()
    {
        var random = new Random(7);
        var alphabet = "{}[]\"$?.=:+,#/\\\n ab1${}`";
        for (var i = 0; i < 4000; i++)
        {
            var chars = Sample.ToCharArray().ToList();
            var edits = random.Next(1, 6);
            for (var e = 0; e < edits; e++)
            {
                var at = random.Next(chars.Count);
                switch (random.Next(3))
                {
                    case 0:
                        chars.RemoveAt(at);
                        break;
                    case 1:
                        chars.Insert(at, alphabet[random.Next(alphabet.Length)]);
                        break;
                    default:
                        chars[at] = alphabet[random.Next(alphabet.Length)];
                        break;
                }
            }

            AssertParsesOrFailsCleanly(new string(chars.ToArray()));
        }
    }

    [Fact]
    public void Deeply_nested_and_large_repetitive_documents_parse_or_fail_cleanly()
    {
        var nested = "a = " + new string('{', 5000) + new string('}', 5000);
        var braces = string.Concat(Enumerable.Repeat("a { b = [1, {c = ${?x}}] }\n", 20_000));
        foreach (var text in new[] { nested, braces })
        {
            AssertParsesOrFailsCleanly(text);
        }
    }

    private static void AssertParsesOrFailsCleanly(string text)
    {
        try
        {
            var config = HoconConfig.Parse(text, "fuzz.conf", _ => null);
            _ = config.ToJson();
            foreach (var key in config.Keys)
            {
                _ = config.HasPath(Dispatch.Hocon.Parsing.PathExpression.Render([key]));
            }
        }
        catch (HoconParseException)
        {
        }
        catch (HoconResolveException)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"{e.GetType().Name} for input {Escape(text)}:\n{e}");
        }
    }

    private static string Escape(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
