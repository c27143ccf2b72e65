namespace Dispatch.Hocon;

/// <summary>A getter found a value at the path, but of a type it cannot convert to the one asked for.</summary>
public sealed class HoconWrongTypeException : HoconException
{
    /// <summary>Creates the error.</summary>
    /// <param name="path">The path asked for.</param>
    /// <param name="expected">The type asked for, in words (for example <c>"duration"</c>).</param>
    /// <param name="message">The full message, naming the path and where the value was defined.</param>
    /// <param name="origin">Where the value was defined.</param>
    public HoconWrongTypeException(string path, string expected, string message, HoconOrigin? origin)
        : base(message, origin)
    {
        Path = path;
        Expected = expected;
    }

    /// <summary>The path asked for.</summary>
    public string Path { get; }

    /// <summary>The type asked for, in words.</summary>
    public string Expected { get; }
}
