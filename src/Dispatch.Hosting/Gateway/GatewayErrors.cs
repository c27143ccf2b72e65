using System.Text.Json;
using Dispatch.Core.Protocol;
using Microsoft.AspNetCore.Http;

namespace Dispatch.Hosting.Gateway;

/// <summary>
/// Dispatch's own answers in the shape OpenAI's clients read, <c>{"error":{"message","type","code"}}</c>,
/// with the status a client's retry logic expects for each outcome.
/// </summary>
internal static class GatewayErrors
{
    /// <summary>How long a client refused for a full queue is told to wait: the queue drains at the provider's pace, so soon.</summary>
    public const string QueueFullRetryAfterSeconds = "1";

    /// <summary>An OpenAI-shaped error answer.</summary>
    public readonly record struct GatewayError(int Status, string Type, string Code, string Message);

    /// <summary>The error answer for a call Dispatch ended without the provider's answer to pass on.</summary>
    /// <param name="result">A result that is not a provider's answer.</param>
    public static GatewayError For(APICallResult result)
    {
        var message = result.ErrorMessage ?? result.Status.ToString();
        return result.Error switch
        {
            ErrorKind.QueueFull => new(StatusCodes.Status429TooManyRequests, "rate_limit_error", "queue_full", message),
            ErrorKind.CircuitOpen => new(StatusCodes.Status503ServiceUnavailable, "server_error", "circuit_open", message),
            ErrorKind.Timeout => new(StatusCodes.Status504GatewayTimeout, "timeout_error", "timed_out", message),
            ErrorKind.InvalidRequest => new(StatusCodes.Status400BadRequest, "invalid_request_error", "invalid_request", message),
            ErrorKind.Connection => new(StatusCodes.Status502BadGateway, "api_connection_error", "upstream_unreachable", message),
            ErrorKind.InvalidResponse => new(StatusCodes.Status502BadGateway, "server_error", "invalid_upstream_response", message),
            ErrorKind.Cancelled => new(StatusCodes.Status503ServiceUnavailable, "server_error", "cancelled", message),
            ErrorKind.RateLimited => new(StatusCodes.Status429TooManyRequests, "rate_limit_error", "rate_limit_exceeded", message),
            ErrorKind.Authentication => new(StatusCodes.Status502BadGateway, "server_error", "upstream_authentication", message),
            _ => new(StatusCodes.Status502BadGateway, "server_error", "upstream_error", message),
        };
    }

    /// <summary>Writes <paramref name="error"/> as the response (with <c>Retry-After</c> when it is a full queue).</summary>
    /// <param name="http">The request's context.</param>
    /// <param name="error">The error.</param>
    public static Task WriteAsync(HttpContext http, GatewayError error)
    {
        var response = http.Response;
        response.StatusCode = error.Status;
        if (error.Code == "queue_full") response.Headers.RetryAfter = QueueFullRetryAfterSeconds;
        response.ContentType = "application/json";
        using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteStartObject("error"u8);
            json.WriteString("message"u8, error.Message);
            json.WriteString("type"u8, error.Type);
            json.WriteString("code"u8, error.Code);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return response.BodyWriter.FlushAsync(http.RequestAborted).AsTask();
    }
}
