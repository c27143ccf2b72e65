namespace Dispatch.Hocon;

/// <summary>The base of every error this library throws about configuration content.</summary>
public abstract class HoconException : Exception
{
    /// <summary>Creates the error with its message and, when known, the place it refers to.</summary>
    /// <param name="message">The full message, already naming the place.</param>
    /// <param name="origin">Where the offending text or value is, or <see langword="null"/> when unknown.</param>
    /// <param name="inner">The underlying error, if any.</param>
    protected HoconException(string message, HoconOrigin? origin, Exception? inner = null)
        : base(message, inner) => Origin = origin;

    /// <summary>Where the offending text or value is, or <see langword="null"/> when unknown.</summary>
    public HoconOrigin? Origin { get; }
}
