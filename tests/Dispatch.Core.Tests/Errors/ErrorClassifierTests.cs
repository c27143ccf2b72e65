using System.Net.Sockets;
using Dispatch.Core.Errors;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Tests.Errors;

public class ErrorClassifierTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(200, ErrorKind.None)]
    [InlineData(204, ErrorKind.None)]
    [InlineData(429, ErrorKind.RateLimited)]
    [InlineData(401, ErrorKind.Authentication)]
    [InlineData(403, ErrorKind.Authentication)]
    [InlineData(404, ErrorKind.NotFound)]
    [InlineData(400, ErrorKind.BadRequest)]
    [InlineData(422, ErrorKind.BadRequest)]
    [InlineData(409, ErrorKind.BadRequest)]
    [InlineData(413, ErrorKind.InvalidRequest)]
    [InlineData(408, ErrorKind.Timeout)]
    [InlineData(500, ErrorKind.Server)]
    [InlineData(502, ErrorKind.Server)]
    [InlineData(503, ErrorKind.Server)]
    [InlineData(302, ErrorKind.InvalidResponse)]
    public void Each_http_status_maps_to_its_error_kind(int status, ErrorKind expected)
    {
        Assert.Equal(expected, ErrorClassifier.FromStatus(status));
    }

    [Fact]
    public void A_429_carries_its_retry_after_in_seconds()
    {
        var result = ErrorClassifier.Classify(429, "7", Now);

        Assert.Equal(ErrorKind.RateLimited, result.Kind);
        Assert.Equal(TimeSpan.FromSeconds(7), result.RetryAfter);
    }

    [Fact]
    public void A_429_carries_its_retry_after_given_as_an_http_date()
    {
        var result = ErrorClassifier.Classify(429, Now.AddSeconds(30).ToString("r"), Now);

        Assert.Equal(TimeSpan.FromSeconds(30), result.RetryAfter);
    }

    [Fact]
    public void A_retry_after_date_in_the_past_means_no_wait()
    {
        Assert.Equal(TimeSpan.Zero, ErrorClassifier.ParseRetryAfter(Now.AddMinutes(-1).ToString("r"), Now));
    }

    [Fact]
    public void Retry_after_ms_wins_over_retry_after_when_both_are_sent()
    {
        var result = ErrorClassifier.Classify(429, "2", Now, retryAfterMs: "1500");

        Assert.Equal(TimeSpan.FromMilliseconds(1500), result.RetryAfter);
    }

    [Fact]
    public void An_unreadable_retry_after_is_ignored()
    {
        Assert.Null(ErrorClassifier.Classify(429, "soon", Now).RetryAfter);
    }

    [Fact]
    public void Retry_after_on_a_status_other_than_429_or_503_is_ignored()
    {
        Assert.Null(ErrorClassifier.Classify(500, "5", Now).RetryAfter);
    }

    [Fact]
    public void A_cancellation_when_the_attempt_timed_out_is_a_timeout()
    {
        var result = ErrorClassifier.Classify(new TaskCanceledException(), attemptTimedOut: true);

        Assert.Equal(ErrorKind.Timeout, result.Kind);
    }

    [Fact]
    public void A_cancellation_by_the_caller_is_cancelled()
    {
        var result = ErrorClassifier.Classify(new OperationCanceledException(), attemptTimedOut: false);

        Assert.Equal(ErrorKind.Cancelled, result.Kind);
    }

    [Theory]
    [InlineData(typeof(HttpRequestException))]
    [InlineData(typeof(SocketException))]
    [InlineData(typeof(IOException))]
    public void Transport_exceptions_are_connection_failures(Type type)
    {
        var exception = (Exception)Activator.CreateInstance(type)!;

        Assert.Equal(ErrorKind.Connection, ErrorClassifier.Classify(exception, attemptTimedOut: false).Kind);
    }

    [Fact]
    public void A_connection_reset_wrapped_in_an_http_exception_is_a_connection_failure()
    {
        var exception = new HttpRequestException("send failed", new IOException("reset", new SocketException((int)SocketError.ConnectionReset)));

        Assert.Equal(ErrorKind.Connection, ErrorClassifier.Classify(exception, attemptTimedOut: false).Kind);
    }

    [Fact]
    public void A_tls_failure_says_what_its_inner_exception_says()
    {
        var exception = new HttpRequestException("The SSL connection could not be established, see inner exception.",
            new System.Security.Authentication.AuthenticationException("The remote certificate is invalid because of errors in the certificate chain: UntrustedRoot"));

        var outcome = ErrorClassifier.Classify(exception, attemptTimedOut: false);

        Assert.Equal(ErrorKind.Connection, outcome.Kind);
        Assert.Equal("the connection failed: The SSL connection could not be established: The remote certificate is invalid because of errors in the certificate chain: UntrustedRoot", outcome.Message);
    }

    [Fact]
    public void An_unparseable_body_is_an_invalid_response()
    {
        var exception = new System.Text.Json.JsonException("'<' is an invalid start of a value.");

        Assert.Equal(ErrorKind.InvalidResponse, ErrorClassifier.Classify(exception, attemptTimedOut: false).Kind);
    }

    [Theory]
    [InlineData(ErrorKind.RateLimited, true)]
    [InlineData(ErrorKind.Server, true)]
    [InlineData(ErrorKind.Timeout, true)]
    [InlineData(ErrorKind.Connection, true)]
    [InlineData(ErrorKind.BadRequest, false)]
    [InlineData(ErrorKind.Authentication, false)]
    [InlineData(ErrorKind.NotFound, false)]
    [InlineData(ErrorKind.InvalidResponse, false)]
    [InlineData(ErrorKind.InvalidRequest, false)]
    [InlineData(ErrorKind.CircuitOpen, false)]
    [InlineData(ErrorKind.Cancelled, false)]
    public void Only_rate_limits_server_errors_timeouts_and_connection_failures_are_transient(ErrorKind kind, bool transient)
    {
        Assert.Equal(transient, kind.IsTransient());
    }
}
