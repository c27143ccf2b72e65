using System.Globalization;
using System.Net.Sockets;
using Dispatch.Core.Protocol;
using Flurl.Http;

namespace Dispatch.Core.Errors;

/// <summary>
/// Turns an HTTP status or an exception from the HTTP stack into an <see cref="ErrorKind"/>.
/// Pure: the caller passes the header values and the current time.
/// </summary>
/// <remarks>
/// Decisions where providers differ: 408 (the server gave up waiting for our request) is
/// <see cref="ErrorKind.Timeout"/>, a transient failure like our own attempt timeout. 4xx
/// statuses without a kind of their own (409, 422, …) are <see cref="ErrorKind.BadRequest"/>:
/// the request, not the upstream, is at fault, so they are not retried. 413 (Content Too Large)
/// is <see cref="ErrorKind.InvalidRequest"/>, as a body over <c>max-request-bytes</c> is: the call
/// itself is too big, and says nothing about the upstream's health. Redirects are not
/// followed by the endpoint, so a 3xx is <see cref="ErrorKind.InvalidResponse"/>.
/// </remarks>
public static class ErrorClassifier
{
    /// <summary>The error kind an HTTP status means; <see cref="ErrorKind.None"/> for 2xx.</summary>
    /// <param name="httpStatus">The response's status code.</param>
    public static ErrorKind FromStatus(int httpStatus) => httpStatus switch
    {
        >= 200 and < 300 => ErrorKind.None,
        429 => ErrorKind.RateLimited,
        401 or 403 => ErrorKind.Authentication,
        404 => ErrorKind.NotFound,
        408 => ErrorKind.Timeout,
        413 => ErrorKind.InvalidRequest,
        >= 400 and < 500 => ErrorKind.BadRequest,
        >= 500 and < 600 => ErrorKind.Server,
        _ => ErrorKind.InvalidResponse,
    };

    /// <summary>Classifies an HTTP response by its status and its <c>Retry-After</c> headers.</summary>
    /// <param name="httpStatus">The response's status code.</param>
    /// <param name="retryAfter">The <c>Retry-After</c> header (seconds or an HTTP-date), if present.</param>
    /// <param name="now">The current time, to turn an HTTP-date into a delay.</param>
    /// <param name="retryAfterMs">The <c>retry-after-ms</c> header some providers send, if present; it wins when both parse.</param>
    public static ErrorClassification Classify(int httpStatus, string? retryAfter, DateTimeOffset now, string? retryAfterMs = null)
    {
        var kind = FromStatus(httpStatus);
        if (kind == ErrorKind.None) return ErrorClassification.Success;

        // Retry-After is meaningful on 429 and 503 only; elsewhere it is ignored, as RFC 9110 says.
        TimeSpan? delay = httpStatus is 429 or 503 ? ParseRetryAfterMs(retryAfterMs) ?? ParseRetryAfter(retryAfter, now) : null;
        return new ErrorClassification(kind, $"upstream answered {httpStatus}", delay);
    }

    /// <summary>Classifies an exception thrown while sending a request or reading its response.</summary>
    /// <param name="exception">What was thrown.</param>
    /// <param name="attemptTimedOut">
    /// Whether the attempt's own timeout fired. A cancellation is then <see cref="ErrorKind.Timeout"/>;
    /// otherwise it is the caller's <see cref="ErrorKind.Cancelled"/>.
    /// </param>
    public static ErrorClassification Classify(Exception exception, bool attemptTimedOut)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case FlurlHttpTimeoutException:
                    return new(ErrorKind.Timeout, "the attempt timed out");
                case OperationCanceledException:
                    return attemptTimedOut
                        ? new(ErrorKind.Timeout, "the attempt timed out")
                        : new(ErrorKind.Cancelled, "the call was cancelled");
                case FlurlParsingException:
                case System.Text.Json.JsonException:
                case FormatException:
                    return new(ErrorKind.InvalidResponse, "the upstream's response could not be read: " + e.Message);
                case FlurlHttpException { StatusCode: { } status }:
                    return Classify(status, null, DateTimeOffset.MinValue);
                case SocketException:
                case HttpRequestException:
                case IOException:
                    return new(ErrorKind.Connection, "the connection failed: " + WithCauses(e));
            }
        }

        // Anything else from the transport is treated as a failed connection: transient, so
        // it is retried a bounded number of times and counts towards the breaker.
        return new(ErrorKind.Connection, $"the request failed: {exception.GetType().Name}: {exception.Message}");
    }

    /// <summary>
    /// An exception's message followed by its causes' (each not already said), so a TLS failure's
    /// "The SSL connection could not be established, see inner exception." reads
    /// "The SSL connection could not be established: the remote certificate is invalid ...": the
    /// pointer to the inner exception is replaced by what it says.
    /// </summary>
    private static string WithCauses(Exception exception)
    {
        var message = WithoutPointer(exception.Message);
        for (var cause = exception.InnerException; cause is not null; cause = cause.InnerException)
        {
            var said = WithoutPointer(cause.Message);
            if (said.Length > 0 && !message.Contains(said, StringComparison.Ordinal)) message = message.TrimEnd('.') + ": " + said;
        }

        return message;
    }

    /// <summary>A message without .NET's ", see inner exception." (or " See the inner exception for details.") ending.</summary>
    private static string WithoutPointer(string message)
    {
        foreach (var pointer in (ReadOnlySpan<string>)[", see inner exception.", " See the inner exception for details."])
        {
            if (message.EndsWith(pointer, StringComparison.OrdinalIgnoreCase)) return message[..^pointer.Length];
        }

        return message;
    }

    /// <summary>
    /// Parses a <c>Retry-After</c> value: delay-seconds (fractions accepted) or an HTTP-date.
    /// Returns <see langword="null"/> when absent or unreadable; a date in the past is zero.
    /// </summary>
    /// <param name="value">The header value.</param>
    /// <param name="now">The current time.</param>
    public static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var text = value.Trim();
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
            return seconds <= TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(seconds) : null;
        if (DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ||
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
            return date > now ? date - now : TimeSpan.Zero;
        return null;
    }

    private static TimeSpan? ParseRetryAfterMs(string? value) =>
        double.TryParse(value?.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var ms) && ms <= TimeSpan.MaxValue.TotalMilliseconds
            ? TimeSpan.FromMilliseconds(ms)
            : null;
}
