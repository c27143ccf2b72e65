using Microsoft.Extensions.Logging;

namespace Dispatch.Actors;

/// <summary>
/// The runtime home of one actor: its mailbox, current instance, behavior stack, children and
/// watchers. Everything here runs on the actor's own turn, one message at a time, except where a
/// member says otherwise. Split by concern into partial files.
/// </summary>
internal sealed partial class ActorCell : IActorContext
{
    [ThreadStatic]
    private static ActorCell? t_current;

    private static readonly Receive Unstarted = static _ => false;

    private readonly ActorCell? _parent;
    private readonly List<Receive> _behaviors = new(1);
    private Receive _behavior = Unstarted;
    private ActorBase? _actor;
    private object? _currentMessage;
    private IActorRef? _currentSender;
    private ILogger? _log;
    private ActorStash? _stash;

    internal ActorCell(ActorSystem system, Props props, ActorCell? parent, ActorPath path)
    {
        SystemImpl = system;
        Props = props;
        _parent = parent;
        var mailboxType = props.Mailbox ?? system.Settings.DefaultMailbox;
        Mailbox = new Mailbox(mailboxType.Capacity, system.Settings.Throughput);
        SelfRef = new LocalActorRef(this, path);
        Mailbox.SetCell(this);
    }

    /// <summary>The cell whose actor is running on this thread, if any.</summary>
    internal static ActorCell? Current => t_current;

    internal ActorSystem SystemImpl { get; }

    internal LocalActorRef SelfRef { get; }

    internal Mailbox Mailbox { get; }

    internal bool IsCreatingActor { get; private set; }

    /// <summary>The sender of the current message as sent (null for none).</summary>
    internal IActorRef? RawSender => _currentSender;

    internal ActorBase? Actor => _actor;

    /// <summary>The message being processed with its sender, or null between messages.</summary>
    internal Envelope? CurrentEnvelope => _currentMessage is null ? null : new Envelope(_currentMessage, _currentSender);

    public IActorRef Self => SelfRef;

    public IActorRef Sender => _currentSender ?? SystemImpl.DeadLetters;

    public IActorRef Parent => (IActorRef?)_parent?.SelfRef ?? ActorRefs.Nobody;

    public Props Props { get; }

    public ActorSystem System => SystemImpl;

    public ILogger Log => _log ??= SystemImpl.LoggerFactory.CreateLogger(SelfRef.Path.ToString());

    internal void Start() => Mailbox.PostSystem(Create.Instance);

    internal void Invoke(Envelope envelope)
    {
        var previous = t_current;
        t_current = this;
        var message = envelope.Message;
        _currentMessage = message;
        _currentSender = envelope.Sender;
        try
        {
            if (_receiveTimeout.HasValue && message is not INotInfluenceReceiveTimeout)
            {
                RestartReceiveTimeout();
            }

            if (message is IAutoReceivedMessage)
            {
                AutoReceive(message);
            }
            else if (!_behavior(message))
            {
                _actor!.InvokeUnhandled(message);
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
        finally
        {
            _currentMessage = null;
            t_current = previous;
        }
    }

    internal void SystemInvoke(SystemMessage message)
    {
        var previous = t_current;
        t_current = this;
        try
        {
            switch (message)
            {
                case Create:
                    CreateActor();
                    break;
                case Watch watch:
                    AddWatcher(watch);
                    break;
                case Unwatch unwatch:
                    RemoveWatcher(unwatch);
                    break;
                case DeathWatchNotification notification:
                    WatchedActorTerminated(notification);
                    break;
                case Failed failed:
                    HandleFailed(failed);
                    break;
                case Recreate recreate:
                    FaultRecreate(recreate.Cause);
                    break;
                case Suspend:
                    FaultSuspend();
                    break;
                case Resume resume:
                    FaultResume(resume.CausedByFailure);
                    break;
                case Terminate:
                    TerminateCell();
                    break;
                case RunContinuation continuation:
                    RunAsyncContinuation(continuation);
                    break;
                case AsyncHandlerCompleted completed:
                    AsyncHandlerDone(completed.Task);
                    break;
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
        finally
        {
            t_current = previous;
        }
    }

    /// <summary>What a closed mailbox does with a system message: a watcher learns at once that the actor is gone.</summary>
    internal void SystemMessageAfterDeath(SystemMessage message)
    {
        if (message is Watch watch && ReferenceEquals(watch.Watchee, SelfRef) && !ReferenceEquals(watch.Watcher, SelfRef))
        {
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(SelfRef, existenceConfirmed: true));
        }
    }

    internal void SendToDeadLetters(Envelope envelope, string? reason)
    {
        // A dead letter addressed to a dead subscriber would loop forever.
        if (envelope.Message is DeadLetter)
        {
            return;
        }

        SystemImpl.DeadLettersRef.Publish(new DeadLetter(envelope.Message, envelope.Sender, SelfRef, reason));
    }

    public void Become(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        if (_behaviors.Count > 1)
        {
            _behaviors.RemoveAt(_behaviors.Count - 1);
        }

        BecomeStacked(receive);
    }

    public void BecomeStacked(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        _behaviors.Add(receive);
        _behavior = receive;
    }

    public void UnbecomeStacked()
    {
        if (_behaviors.Count > 1)
        {
            _behaviors.RemoveAt(_behaviors.Count - 1);
            _behavior = _behaviors[^1];
        }
    }

    public IActorRef ActorOf(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        return AttachChild(props, name);
    }

    public IActorRef ActorOf<TActor>(string? name = null)
        where TActor : ActorBase, new() => AttachChild(Props.Create<TActor>(), name);

    public override string ToString() => $"ActorCell({SelfRef.Path})";

    private void AutoReceive(object message)
    {
        switch (message)
        {
            case PoisonPill:
                SelfRef.SendSystemMessage(Terminate.Instance);
                break;
            case Kill:
                throw new ActorKilledException($"{SelfRef.Path} received Kill.");
            case Terminated terminated:
                DeliverTerminated(terminated);
                break;
            case ActorTimer timer:
                if (_timers is not null && _timers.TryTake(timer))
                {
                    var inner = timer.Message;
                    _currentMessage = inner;
                    if (inner is IAutoReceivedMessage)
                    {
                        AutoReceive(inner);
                    }
                    else if (!_behavior(inner))
                    {
                        _actor!.InvokeUnhandled(inner);
                    }
                }

                break;
        }
    }

    private void CreateActor()
    {
        try
        {
            var actor = NewActor();
            actor.AroundPreStart();
        }
        catch (Exception e)
        {
            HandleInvokeFailure(AsInitializationFailure(e));
        }
    }

    private ActorInitializationException AsInitializationFailure(Exception e) =>
        e as ActorInitializationException
        ?? new ActorInitializationException(SelfRef, $"Creating {SelfRef.Path} ({Props.ActorType.Name}) failed: {e.Message}", e);

    private ActorBase NewActor()
    {
        ActorBase actor;
        IsCreatingActor = true;
        try
        {
            actor = Props.NewActor();
        }
        finally
        {
            IsCreatingActor = false;
        }

        _actor = actor;
        _behaviors.Clear();
        _behaviors.Add(actor.Receive);
        _behavior = _behaviors[0];
        if (actor is IWithStash withStash)
        {
            withStash.Stash = _stash ??= new ActorStash(this);
        }

        if (actor is IWithTimers withTimers)
        {
            withTimers.Timers = _timers ??= new TimerScheduler(this);
        }

        return actor;
    }

    private void ClearActor()
    {
        _actor = null;
        _behaviors.Clear();
        _behavior = Unstarted;
    }
}
