using Akka.Actor;
using Dispatch.Core.Breaker;
using Dispatch.Core.Execution;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Endpoints;

/// <summary>The circuit breaker: permits, escalated failures, state changes and the open timer.</summary>
internal sealed partial class EndpointSupervisor
{
    // Executors whose call waits to retry until the breaker lets calls through (half-open with
    // the probe out, or open when calls are held), in the order they asked.
    private readonly List<(IActorRef Executor, int Ticket)> _permitWaiters = [];

    /// <summary>Called by the strategy, on this actor's turn, for each failure an executor escalates.</summary>
    private void Escalated(IActorRef executor, UpstreamFailureException failure)
    {
        Observe(_strategy.Breaker.Record(failure.Kind, Now));
        if (failure.Done is { } done)
        {
            Booked(done, executor);
            Idle(executor);
        }

        Dispatch();
    }

    /// <summary>Asks the breaker whether one call may be sent now (in half-open, the first asker gets the probe).</summary>
    private BreakerPermit Permit()
    {
        var permit = _strategy.Breaker.TryAcquire(Now);
        Observe(permit.Transition);
        return permit;
    }

    private void RetryRequested(RetryPermitRequest request)
    {
        Observe(_strategy.Breaker.Advance(Now));
        if (_strategy.Breaker.State == BreakerState.Open && _options.Breaker.WhenOpen == WhenOpen.Reject)
        {
            Sender.Tell(new RetryPermit(request.Ticket, Allowed: false, Probe: false), Self);
            return;
        }

        _permitWaiters.Add((Sender, request.Ticket));
        Dispatch();
    }

    /// <summary>Lets waiting retries go first (they already hold an executor), as far as the breaker allows.</summary>
    private void ServePermitWaiters()
    {
        while (_permitWaiters.Count > 0)
        {
            var permit = Permit();
            if (!permit.IsAllowed) return;
            var (executor, ticket) = _permitWaiters[0];
            _permitWaiters.RemoveAt(0);
            executor.Tell(new RetryPermit(ticket, Allowed: true, Probe: permit.Verdict == BreakerVerdict.Probe), Self);
        }
    }

    private void RemovePermitWaiter(IActorRef executor)
    {
        if (_permitWaiters.Count > 0) _permitWaiters.RemoveAll(w => ReferenceEquals(w.Executor, executor));
    }

    /// <summary>Publishes a state change and acts on it: an open breaker in reject mode answers what waits.</summary>
    private void Observe(BreakerStateChanged? change)
    {
        if (change is null) return;
        Context.System.EventStream.Publish(change);
        SetBreakerTimer();
        if (change.To != BreakerState.Open || _options.Breaker.WhenOpen != WhenOpen.Reject) return;

        var now = Now;
        var message = OpenMessage();
        while (_queue.TryDequeue(out var queued)) Answer(queued.Execution.Reject(ErrorKind.CircuitOpen, message, now), queued.ReplyTo);
        foreach (var (executor, ticket) in _permitWaiters) executor.Tell(new RetryPermit(ticket, Allowed: false, Probe: false), Self);
        _permitWaiters.Clear();
    }

    private void SetBreakerTimer()
    {
        if (_strategy.Breaker is { State: BreakerState.Open, OpenUntil: { } until })
            Timers.StartSingleTimer(SupervisorTimer.Breaker, SupervisorTick.Breaker, Delay(until));
        else
            Timers.Cancel(SupervisorTimer.Breaker);
    }

    private string OpenMessage() =>
        $"the circuit breaker of endpoint '{Name}' is open until {_strategy.Breaker.OpenUntil:O} after {_strategy.Breaker.ConsecutiveFailures} consecutive failures";
}
