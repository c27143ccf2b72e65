using Microsoft.Extensions.Logging;

namespace Dispatch.Actors;

/// <summary>Failure, supervision, restart and stop.</summary>
internal sealed partial class ActorCell
{
    private bool _terminating;
    private bool _isFailed;
    private object? _failedMessage;
    private IActorRef? _perpetrator;
    private Exception? _pendingRecreate;

    private SupervisorStrategy EffectiveStrategy =>
        Props.SupervisorStrategy
        ?? (_parent is null ? SupervisorStrategy.StoppingStrategy : _actor?.SupervisorStrategyInternal ?? SupervisorStrategy.DefaultStrategy);

    /// <summary>
    /// The actor (or, when <paramref name="perpetrator"/> is set, a child it escalates for) failed:
    /// stop processing user messages, suspend the children, and ask the supervisor what to do.
    /// </summary>
    internal void HandleInvokeFailure(Exception cause, IActorRef? perpetrator = null)
    {
        if (_terminating || Mailbox.IsClosed || _isFailed)
        {
            Log.LogError(cause, "{Actor} failed while already stopping or awaiting its supervisor", SelfRef.Path);
            return;
        }

        _isFailed = true;
        _perpetrator = perpetrator;
        _failedMessage = perpetrator is null ? _currentMessage : null;
        Mailbox.Suspend();
        SuspendChildren(except: perpetrator);
        if (_parent is null)
        {
            Log.LogError(cause, "The root guardian of {System} failed; terminating", SystemImpl.Name);
            TerminateCell();
            return;
        }

        _parent.SelfRef.SendSystemMessage(new Failed(SelfRef, cause));
    }

    private void HandleFailed(Failed failed)
    {
        if (_terminating
            || !TryGetChildStats(failed.Child, out var stats)
            || (_stoppingChildren is not null && _stoppingChildren.Contains(failed.Child)))
        {
            return;
        }

        if (!EffectiveStrategy.HandleFailure(this, failed.Child, failed.Cause, stats, ChildrenStats))
        {
            HandleInvokeFailure(failed.Cause, failed.Child);
        }
    }

    private void FaultSuspend()
    {
        Mailbox.Suspend();
        SuspendChildren(except: null);
    }

    private void FaultResume(Exception? causedByFailure)
    {
        if (_actor is null && causedByFailure is not null)
        {
            // Resuming an actor that never started means starting it.
            FaultRecreate(causedByFailure);
            return;
        }

        if (causedByFailure is not null)
        {
            _isFailed = false;
            _failedMessage = null;
        }

        var perpetrator = _perpetrator;
        _perpetrator = null;
        Mailbox.Resume();
        ResumeChildren(causedByFailure, perpetrator);
    }

    private void FaultRecreate(Exception cause)
    {
        if (_terminating)
        {
            return;
        }

        var failedActor = _actor;
        CancelTimersAndReceiveTimeout();
        AbandonAsyncHandler();
        if (failedActor is not null)
        {
            _stash?.UnstashAll();
            try
            {
                failedActor.AroundPreRestart(cause, _failedMessage);
            }
            catch (Exception e)
            {
                Log.LogError(e, "PreRestart of {Actor} failed", SelfRef.Path);
            }
        }

        _failedMessage = null;
        ClearActor();
        if (_stoppingChildren is { Count: > 0 })
        {
            _pendingRecreate = cause;
            return;
        }

        FinishRecreate(cause);
    }

    private void FinishRecreate(Exception cause)
    {
        _pendingRecreate = null;
        _isFailed = false;
        var perpetrator = _perpetrator;
        _perpetrator = null;
        ResumeChildren(cause, perpetrator);
        Mailbox.Resume();
        try
        {
            var actor = NewActor();
            actor.AroundPostRestart(cause);
        }
        catch (Exception e)
        {
            HandleInvokeFailure(AsInitializationFailure(e));
        }
    }

    private void TerminateCell()
    {
        if (_terminating)
        {
            return;
        }

        _terminating = true;
        _pendingRecreate = null;
        CloseChildren();
        CancelTimersAndReceiveTimeout();
        AbandonAsyncHandler();
        Mailbox.Suspend();
        foreach (var child in Children)
        {
            Stop(child);
        }

        if (!HasChildren)
        {
            FinishTerminate();
        }
    }

    private void FinishTerminate()
    {
        if (Mailbox.IsClosed)
        {
            return;
        }

        if (_actor is not null)
        {
            try
            {
                _actor.AroundPostStop();
            }
            catch (Exception e)
            {
                Log.LogError(e, "PostStop of {Actor} failed", SelfRef.Path);
            }
        }

        _stash?.UnstashAll();
        Mailbox.Close();
        SystemImpl.EventStream.Unsubscribe(SelfRef);
        TellWatchersWeDied();
        ClearActor();
        if (_parent is null)
        {
            SystemImpl.OnRootTerminated();
        }
    }
}
