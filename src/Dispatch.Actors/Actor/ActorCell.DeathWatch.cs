namespace Dispatch.Actors;

/// <summary>Death watch: who this actor watches, who watches it, and delivering <see cref="Terminated"/>.</summary>
internal sealed partial class ActorCell
{
    private HashSet<IActorRef>? _watching;
    private HashSet<InternalActorRef>? _watchedBy;
    private HashSet<IActorRef>? _terminatedQueued;

    public IActorRef Watch(IActorRef subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (subject is InternalActorRef target && !ReferenceEquals(subject, SelfRef) && (_watching ??= []).Add(subject))
        {
            target.SendSystemMessage(new Watch(target, SelfRef));
        }

        return subject;
    }

    public IActorRef Unwatch(IActorRef subject)
    {
        ArgumentNullException.ThrowIfNull(subject);
        if (_watching is not null && _watching.Remove(subject) && subject is InternalActorRef target)
        {
            target.SendSystemMessage(new Unwatch(target, SelfRef));
        }

        _terminatedQueued?.Remove(subject);
        return subject;
    }

    private void AddWatcher(Watch watch)
    {
        if (ReferenceEquals(watch.Watchee, SelfRef) && !ReferenceEquals(watch.Watcher, SelfRef))
        {
            (_watchedBy ??= []).Add(watch.Watcher);
        }
    }

    private void RemoveWatcher(Unwatch unwatch)
    {
        if (ReferenceEquals(unwatch.Watchee, SelfRef))
        {
            _watchedBy?.Remove(unwatch.Watcher);
        }
    }

    private void WatchedActorTerminated(DeathWatchNotification notification)
    {
        var actor = notification.Actor;
        var wasChild = RemoveChild(actor);
        if (_watching is not null && _watching.Remove(actor) && !_terminating)
        {
            // Delivered as a user message so it is ordered after what the dead actor sent before dying.
            (_terminatedQueued ??= []).Add(actor);
            SelfRef.Tell(new Terminated(actor, notification.ExistenceConfirmed), actor);
        }

        if (wasChild)
        {
            ChildTerminated(actor);
        }
    }

    private void ChildTerminated(IActorRef child)
    {
        if (_actor is not null && !_terminating)
        {
            EffectiveStrategy.HandleChildTerminated(this, child, Children);
        }

        if (_terminating)
        {
            if (!HasChildren)
            {
                FinishTerminate();
            }
        }
        else if (_pendingRecreate is not null)
        {
            if (_stoppingChildren is null || _stoppingChildren.Count == 0)
            {
                FinishRecreate(_pendingRecreate);
            }
        }
        else if (_parent is null)
        {
            GuardianTerminated(child);
        }
    }

    /// <summary>The root's shutdown order: user actors first, then the system's own, then the root.</summary>
    private void GuardianTerminated(IActorRef guardian)
    {
        if (ReferenceEquals(guardian, SystemImpl.UserGuardian))
        {
            Stop(SystemImpl.SystemGuardian);
        }
        else if (ReferenceEquals(guardian, SystemImpl.SystemGuardian))
        {
            TerminateCell();
        }
    }

    private void DeliverTerminated(Terminated terminated)
    {
        if (_terminatedQueued is not null && _terminatedQueued.Remove(terminated.ActorRef) && !_behavior(terminated))
        {
            _actor!.InvokeUnhandled(terminated);
        }
    }

    private void TellWatchersWeDied()
    {
        var parent = _parent?.SelfRef;
        parent?.SendSystemMessage(new DeathWatchNotification(SelfRef, existenceConfirmed: true));
        if (_watchedBy is not null)
        {
            foreach (var watcher in _watchedBy)
            {
                if (!ReferenceEquals(watcher, parent))
                {
                    watcher.SendSystemMessage(new DeathWatchNotification(SelfRef, existenceConfirmed: true));
                }
            }

            _watchedBy = null;
        }

        if (_watching is not null)
        {
            foreach (var watchee in _watching)
            {
                if (watchee is InternalActorRef target)
                {
                    target.SendSystemMessage(new Unwatch(target, SelfRef));
                }
            }

            _watching = null;
        }

        _terminatedQueued = null;
    }
}
