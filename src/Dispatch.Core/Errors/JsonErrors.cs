using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Dispatch.Core.Errors;

/// <summary>
/// Says where and why JSON text did not parse, once and in people's terms: <c>line 1, column 34: 'tru}' is
/// an invalid JSON literal. Expected the literal 'true'.</c> System.Text.Json's own message repeats the
/// position counted from 0 and in bytes (<c>LineNumber: 0 | BytePositionInLine: 33.</c>).
/// </summary>
public static class JsonErrors
{
    /// <summary>The parser's reason without its position and path, e.g. <c>'tru}' is an invalid JSON literal. Expected the literal 'true'.</c></summary>
    /// <param name="exception">What the parser threw.</param>
    public static string Reason(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var reason = exception.Message;
        var end = reason.IndexOf(" Path:", StringComparison.Ordinal) is >= 0 and var path ? path : reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return end >= 0 ? reason[..end] : reason;
    }

    /// <summary>Where in <paramref name="text"/> the parser stopped: line and column from 1, the column in characters; <see langword="null"/> when it does not say.</summary>
    /// <param name="exception">What the parser threw.</param>
    /// <param name="text">The text it parsed.</param>
    public static (long Line, long Column)? Position(JsonException exception, string text)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(text);
        if (exception.LineNumber is not { } line || exception.BytePositionInLine is not { } bytes) return null;
        var start = 0;
        for (var skipped = 0L; skipped < line && start < text.Length; skipped++)
        {
            var newline = text.IndexOf('\n', start);
            if (newline < 0) break;
            start = newline + 1;
        }

        var lineEnd = text.IndexOf('\n', start) is >= 0 and var found ? found : text.Length;
        var utf8 = Encoding.UTF8.GetBytes(text[start..lineEnd]);
        return (line + 1, Encoding.UTF8.GetCharCount(utf8, 0, (int)Math.Min(bytes, utf8.Length)) + 1);
    }

    /// <summary>The position and the reason in one phrase: <c>line 1, column 34: 'tru}' is an invalid JSON literal. ...</c></summary>
    /// <param name="exception">What the parser threw.</param>
    /// <param name="text">The text it parsed.</param>
    public static string Describe(JsonException exception, string text) =>
        Position(exception, text) is var (line, column)
            ? string.Create(CultureInfo.InvariantCulture, $"line {line}, column {column}: {Reason(exception)}")
            : Reason(exception);
}
