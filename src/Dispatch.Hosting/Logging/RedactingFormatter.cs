using Serilog.Events;
using Serilog.Formatting;

namespace Dispatch.Hosting.Logging;

/// <summary>Renders a log event with an inner formatter, then masks secrets in the whole line.</summary>
/// <param name="inner">The formatter that renders the line.</param>
/// <param name="redactor">What to mask.</param>
public sealed class RedactingFormatter(ITextFormatter inner, SecretRedactor redactor) : ITextFormatter
{
    /// <inheritdoc />
    public void Format(LogEvent logEvent, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var buffer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        inner.Format(logEvent, buffer);
        output.Write(redactor.Redact(buffer.ToString()));
    }
}
