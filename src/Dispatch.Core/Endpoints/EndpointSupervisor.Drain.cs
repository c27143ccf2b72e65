using Akka.Actor;
using Dispatch.Core.Execution;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Endpoints;

/// <summary>Draining for shutdown: let accepted calls finish until the timeout, then cancel the rest.</summary>
internal sealed partial class EndpointSupervisor
{
    private IActorRef? _draining;
    private bool _refusing;
    private bool _drainTimedOut;
    private int _drainCompleted;
    private int _drainCancelled;

    private void StartDrain(DrainEndpoint drain)
    {
        _draining = Sender;
        // The node accepts no new calls from now on, also from clients that send to this endpoint directly.
        _refusing = true;
        _drainTimedOut = false;
        _drainCompleted = 0;
        _drainCancelled = 0;
        Timers.StartSingleTimer(SupervisorTimer.Drain, SupervisorTick.Drain, Delay(drain.Until));
        CheckDrained();
    }

    private void DrainTimedOut()
    {
        if (_draining is null) return;
        _drainTimedOut = true;
        var now = Now;
        while (_queue.TryDequeue(out var queued)) Answer(queued.Execution.Cancel("the node shut down before the call was sent", now), queued.ReplyTo);
        foreach (var (callId, busy) in _busy) busy.Executor.Tell(new CancelWork(callId, "the node shut down"), Self);
        CheckDrained();
    }

    /// <summary>Counts an accepted call's end towards the drain in progress, if any.</summary>
    private void CountDrained(APICallResult result)
    {
        if (_draining is null) return;
        if (_drainTimedOut && result.Status == CallStatus.Cancelled) _drainCancelled++;
        else _drainCompleted++;
    }

    private void CheckDrained()
    {
        if (_draining is null || _queue.Count > 0 || _busy.Count > 0) return;
        _draining.Tell(new EndpointDrained(Name, _drainCompleted, _drainCancelled), Self);
        _draining = null;
        Timers.Cancel(SupervisorTimer.Drain);
    }
}
