namespace Dispatch.Hocon;

/// <summary>A getter asked for a path that has no value (or whose value is <c>null</c>).</summary>
public sealed class HoconMissingPathException : HoconException
{
    /// <summary>Creates the error.</summary>
    /// <param name="path">The path asked for.</param>
    /// <param name="message">The full message, naming the path.</param>
    /// <param name="origin">Where the nearest existing parent (or the null value) was defined, if known.</param>
    public HoconMissingPathException(string path, string message, HoconOrigin? origin) : base(message, origin)
    {
        Path = path;
    }

    /// <summary>The path asked for.</summary>
    public string Path { get; }
}
