using Dispatch.Core.Protocol;

namespace Dispatch.Core.Errors;

/// <summary>An attempt's outcome as the pipeline sees it.</summary>
/// <param name="Kind">The error kind; <see cref="ErrorKind.None"/> for success.</param>
/// <param name="Message">What happened, in words, without credentials; <see langword="null"/> for success.</param>
/// <param name="RetryAfter">How long the upstream asked us to wait (429/503 <c>Retry-After</c>), if it did.</param>
public readonly record struct ErrorClassification(ErrorKind Kind, string? Message, TimeSpan? RetryAfter = null)
{
    /// <summary>A successful attempt.</summary>
    public static ErrorClassification Success => default;

    /// <summary>Whether the attempt succeeded.</summary>
    public bool IsSuccess => Kind == ErrorKind.None;
}
