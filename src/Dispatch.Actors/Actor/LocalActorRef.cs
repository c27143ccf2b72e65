namespace Dispatch.Actors;

/// <summary>The ref of an actor living in this process; it posts straight into the actor's mailbox.</summary>
internal sealed class LocalActorRef : InternalActorRef
{
    internal LocalActorRef(ActorCell cell, ActorPath path) : base(path) => Cell = cell;

    internal ActorCell Cell { get; }

    public override ActorSystem System => Cell.SystemImpl;

    public override void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        Cell.Mailbox.Post(new Envelope(message, sender));
    }

    internal override void SendSystemMessage(SystemMessage message) => Cell.Mailbox.PostSystem(message);
}
