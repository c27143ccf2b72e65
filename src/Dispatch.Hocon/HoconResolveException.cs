namespace Dispatch.Hocon;

/// <summary>
/// A substitution could not be resolved: it names an unknown path, it is part of a cycle, or it
/// concatenates values of incompatible types. The message names the substitution and where it is used.
/// </summary>
public sealed class HoconResolveException : HoconException
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="origin">Where the substitution or value is used.</param>
    public HoconResolveException(string message, HoconOrigin? origin) : base(message, origin)
    {
    }
}
