using System.Globalization;

namespace Dispatch.FakeUpstream.Faults;

/// <summary>One injected fault: its kind and, for 429 and 503, an optional <c>Retry-After</c>.</summary>
/// <param name="Kind">What the server does instead of answering normally.</param>
/// <param name="RetryAfter">
/// Sent as <c>Retry-After</c> (whole seconds, rounded up) and <c>retry-after-ms</c> on any
/// status fault; <c>null</c> sends neither.
/// </param>
public readonly record struct Fault(FaultKind Kind, TimeSpan? RetryAfter = null)
{
    /// <summary>No fault: the request is served normally.</summary>
    public static Fault None => default;

    /// <summary>Whether this is a real fault rather than <see cref="None"/>.</summary>
    public bool IsFault => Kind != FaultKind.None;

    /// <summary>The HTTP status of a status fault, <c>200</c> for body faults, <c>0</c> for timeout and reset.</summary>
    public int StatusCode => Kind switch
    {
        FaultKind.None or FaultKind.MalformedJson or FaultKind.OversizedBody => 200,
        FaultKind.BadRequest => 400,
        FaultKind.Unauthorized => 401,
        FaultKind.Forbidden => 403,
        FaultKind.NotFound => 404,
        FaultKind.UnprocessableEntity => 422,
        FaultKind.TooManyRequests => 429,
        FaultKind.InternalServerError => 500,
        FaultKind.BadGateway => 502,
        FaultKind.ServiceUnavailable => 503,
        FaultKind.GatewayTimeout => 504,
        _ => 0,
    };

    /// <summary>
    /// Reads one step of a fault script: a status code (<c>400 401 403 404 422 429 500 502 503 504</c>),
    /// or <c>timeout</c>, <c>reset</c>, <c>malformed</c>, <c>oversized</c>, or <c>ok</c> for no fault;
    /// a status may carry a Retry-After in seconds after a colon, e.g. <c>503:2</c> or <c>429:0.5</c>.
    /// </summary>
    /// <param name="text">The step, e.g. <c>503:2</c>.</param>
    /// <param name="fault">The parsed fault.</param>
    /// <returns>Whether <paramref name="text"/> is a valid step.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out Fault fault)
    {
        fault = default;
        text = text.Trim();
        TimeSpan? retryAfter = null;
        var colon = text.IndexOf(':');
        if (colon >= 0)
        {
            if (!double.TryParse(text[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                || seconds < 0 || double.IsInfinity(seconds))
                return false;
            retryAfter = TimeSpan.FromSeconds(seconds);
            text = text[..colon];
        }

        FaultKind? kind = text switch
        {
            "ok" or "none" => FaultKind.None,
            "400" => FaultKind.BadRequest,
            "401" => FaultKind.Unauthorized,
            "403" => FaultKind.Forbidden,
            "404" => FaultKind.NotFound,
            "422" => FaultKind.UnprocessableEntity,
            "429" => FaultKind.TooManyRequests,
            "500" => FaultKind.InternalServerError,
            "502" => FaultKind.BadGateway,
            "503" => FaultKind.ServiceUnavailable,
            "504" => FaultKind.GatewayTimeout,
            "timeout" => FaultKind.Timeout,
            "reset" => FaultKind.ConnectionReset,
            "malformed" => FaultKind.MalformedJson,
            "oversized" => FaultKind.OversizedBody,
            _ => null,
        };
        if (kind is null) return false;
        fault = new Fault(kind.Value, retryAfter);
        return true;
    }
}
