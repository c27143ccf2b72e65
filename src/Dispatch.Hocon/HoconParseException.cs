namespace Dispatch.Hocon;

/// <summary>A syntax error (or an unreadable required include) in a HOCON document.</summary>
public sealed class HoconParseException : HoconException
{
    /// <summary>Creates the error for the given place; the message is prefixed with <c>file:line:column</c>.</summary>
    /// <param name="origin">Where the error is.</param>
    /// <param name="reason">What is wrong and what was expected.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public HoconParseException(HoconOrigin origin, string reason, Exception? inner = null)
        : base($"{origin}: {reason}", origin, inner)
    {
        Reason = reason;
    }

    /// <summary>The file path or origin name of the document.</summary>
    public string File => Origin!.Source;

    /// <summary>The 1-based line of the error.</summary>
    public int Line => Origin!.Line;

    /// <summary>The 1-based column of the error.</summary>
    public int Column => Origin!.Column;

    /// <summary>What is wrong, without the location prefix.</summary>
    public string Reason { get; }
}
