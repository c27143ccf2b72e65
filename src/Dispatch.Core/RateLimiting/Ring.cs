namespace Dispatch.Core.RateLimiting;

/// <summary>Growing the parallel ring buffers the grant logs keep.</summary>
internal static class Ring
{
    /// <summary>A buffer twice the size holding the <paramref name="count"/> items from <paramref name="head"/> on, oldest first at 0.</summary>
    public static T[] Doubled<T>(T[] items, int head, int count)
    {
        var doubled = new T[items.Length * 2];
        for (var offset = 0; offset < count; offset++) doubled[offset] = items[(head + offset) % items.Length];
        return doubled;
    }
}
