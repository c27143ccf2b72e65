namespace Dispatch.Actors;

/// <summary>Something a message can be sent to.</summary>
public interface ICanTell
{
    /// <summary>Sends <paramref name="message"/> without waiting; <paramref name="sender"/> is who a reply goes to (null: no sender).</summary>
    void Tell(object message, IActorRef? sender);
}

/// <summary>An immutable, thread-safe handle to an actor: the only way to talk to it.</summary>
public interface IActorRef : ICanTell, IEquatable<IActorRef>
{
    /// <summary>The actor's unique path within its system.</summary>
    ActorPath Path { get; }
}
