using Dispatch.Core.Execution;
using Dispatch.Core.Protocol;
using Dispatch.Core.Retry;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Core.Tests.Execution;

public class ExecutionControllerTests
{
    private readonly FakeTimeProvider _clock = new();

    private readonly ExecutionController _controller = new(new RetryController(
        new RetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10), Jitter = RetryJitter.None },
        new Random(1)));

    private CallExecution Started(DateTimeOffset? deadline = null)
    {
        var call = new CallExecution(new APICalling("c1", "e", "{}") { Deadline = deadline }, _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(2));
        call.AttemptStarted(_clock.GetUtcNow());
        return call;
    }

    [Fact]
    public void A_successful_attempt_finishes_the_call_as_completed_with_its_timings()
    {
        var call = Started();
        _clock.Advance(TimeSpan.FromSeconds(1));

        var step = _controller.OnAttemptFinished(call, AttemptResult.Success(200, "{}"), _clock.GetUtcNow());

        Assert.Equal(ExecutionStepKind.Finish, step.Kind);
        Assert.Equal(CallStatus.Completed, step.Result!.Status);
        Assert.Equal((1, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3)), (step.Result.Attempts, step.Result.QueueTime, step.Result.TotalTime));
    }

    [Fact]
    public void A_transient_failure_is_retried_after_the_backoff()
    {
        var call = Started();

        var step = _controller.OnAttemptFinished(call, AttemptResult.Failure(ErrorKind.Server, "upstream answered 503", 503), _clock.GetUtcNow());

        Assert.Equal(ExecutionStep.RetryAfter(TimeSpan.FromSeconds(1)), step);
    }

    [Fact]
    public void A_permanent_failure_finishes_the_call_as_failed_with_the_upstream_status_and_body()
    {
        var call = Started();

        var step = _controller.OnAttemptFinished(call, AttemptResult.Failure(ErrorKind.BadRequest, "upstream answered 400", 400, body: "bad"), _clock.GetUtcNow());

        Assert.Equal(CallStatus.Failed, step.Result!.Status);
        Assert.Equal((ErrorKind.BadRequest, 400, "bad"), (step.Result.Error, step.Result.HttpStatus, step.Result.Body));
    }

    [Fact]
    public void The_last_attempt_failing_finishes_the_call_saying_how_many_attempts_were_made()
    {
        var call = Started();
        call.AttemptStarted(_clock.GetUtcNow());
        call.AttemptStarted(_clock.GetUtcNow());

        var step = _controller.OnAttemptFinished(call, AttemptResult.Failure(ErrorKind.Connection, "the connection failed"), _clock.GetUtcNow());

        Assert.Equal("the connection failed after 3 attempts", step.Result!.ErrorMessage);
        Assert.Equal(3, step.Result.Attempts);
    }

    [Fact]
    public void A_single_allowed_attempt_failing_says_it_was_the_only_one()
    {
        var controller = new ExecutionController(new RetryController(new RetryOptions { MaxAttempts = 1 }, new Random(1)));

        var step = controller.OnAttemptFinished(Started(), AttemptResult.Failure(ErrorKind.Connection, "the connection failed"), _clock.GetUtcNow());

        Assert.Equal("the connection failed after its only attempt", step.Result!.ErrorMessage);
    }

    [Fact]
    public void A_retry_that_could_not_start_before_the_deadline_times_the_call_out()
    {
        var call = Started(deadline: _clock.GetUtcNow().AddSeconds(5));

        var step = _controller.OnAttemptFinished(call, AttemptResult.Failure(ErrorKind.RateLimited, "upstream answered 429", 429, TimeSpan.FromSeconds(10)), _clock.GetUtcNow());

        Assert.Equal(CallStatus.TimedOut, step.Result!.Status);
    }

    [Fact]
    public void An_attempt_cancelled_in_flight_finishes_the_call_as_cancelled()
    {
        var call = Started();

        var step = _controller.OnAttemptFinished(call, AttemptResult.Failure(ErrorKind.Cancelled, "the call was cancelled"), _clock.GetUtcNow());

        Assert.Equal(CallStatus.Cancelled, step.Result!.Status);
    }

    [Fact]
    public void A_failure_after_the_answer_began_streaming_finishes_the_call_instead_of_retrying()
    {
        var call = Started();

        var step = _controller.OnAttemptFinished(call,
            AttemptResult.Failure(ErrorKind.Connection, "the upstream's stream broke off", 200) with { Relayed = true }, _clock.GetUtcNow());

        Assert.Equal(ExecutionStepKind.Finish, step.Kind);
        Assert.Equal((CallStatus.Failed, ErrorKind.Connection, 1), (step.Result!.Status, step.Result.Error, step.Result.Attempts));
        Assert.Contains("not retried", step.Result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_call_cannot_be_finished_twice()
    {
        var call = Started();
        call.Complete(200, "{}", _clock.GetUtcNow());

        Assert.Throws<InvalidOperationException>(() => call.Cancel("late", _clock.GetUtcNow()));
    }

    [Fact]
    public void A_call_rejected_before_any_attempt_reports_zero_attempts_and_all_its_time_as_queue_time()
    {
        var call = new CallExecution(new APICalling("c", "e", "{}"), _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(4));

        var result = call.Reject(ErrorKind.CircuitOpen, "the circuit is open", _clock.GetUtcNow());

        Assert.Equal((0, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4)), (result.Attempts, result.QueueTime, result.TotalTime));
    }

    [Fact]
    public void Tokens_charged_follow_grants_and_reconciliations()
    {
        var call = Started();

        call.Charge(100);
        call.Charge(-30);

        Assert.Equal(70, call.Complete(200, null, _clock.GetUtcNow()).TokensCharged);
    }
}
