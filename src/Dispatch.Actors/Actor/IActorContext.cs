using Microsoft.Extensions.Logging;

namespace Dispatch.Actors;

/// <summary>A behavior: handles a message and says whether it did.</summary>
public delegate bool Receive(object message);

/// <summary>What an actor sees of itself and its surroundings while it runs.</summary>
public interface IActorContext
{
    /// <summary>This actor's ref.</summary>
    IActorRef Self { get; }

    /// <summary>The sender of the message being processed; <see cref="ActorSystem.DeadLetters"/> when there was none.</summary>
    IActorRef Sender { get; }

    /// <summary>This actor's supervisor.</summary>
    IActorRef Parent { get; }

    /// <summary>The props this actor was created from.</summary>
    Props Props { get; }

    /// <summary>The system this actor belongs to.</summary>
    ActorSystem System { get; }

    /// <summary>A snapshot of this actor's live children.</summary>
    IReadOnlyCollection<IActorRef> Children { get; }

    /// <summary>The receive timeout in force, if any.</summary>
    TimeSpan? ReceiveTimeout { get; }

    /// <summary>A logger whose category is this actor's path.</summary>
    ILogger Log { get; }

    /// <summary>The child named <paramref name="name"/>, or <see cref="ActorRefs.Nobody"/>.</summary>
    IActorRef Child(string name);

    /// <summary>Creates a child actor.</summary>
    /// <exception cref="InvalidActorNameException">The name is invalid or already taken by a sibling.</exception>
    IActorRef ActorOf(Props props, string? name = null);

    /// <summary>Creates a child actor of <typeparamref name="TActor"/> with its parameterless constructor.</summary>
    IActorRef ActorOf<TActor>(string? name = null)
        where TActor : ActorBase, new();

    /// <summary>Stops <paramref name="actor"/> (a child, or this actor) asynchronously.</summary>
    void Stop(IActorRef actor);

    /// <summary>Asks to receive <see cref="Terminated"/> when <paramref name="subject"/> stops; unhandled, it kills this actor with <see cref="DeathPactException"/>.</summary>
    IActorRef Watch(IActorRef subject);

    /// <summary>Stops watching <paramref name="subject"/>; a <see cref="Terminated"/> already queued for it is dropped.</summary>
    IActorRef Unwatch(IActorRef subject);

    /// <summary>Replaces the current behavior.</summary>
    void Become(Receive receive);

    /// <summary>Pushes a behavior on top of the current one.</summary>
    void BecomeStacked(Receive receive);

    /// <summary>Pops the behavior pushed last; the initial behavior is never popped.</summary>
    void UnbecomeStacked();

    /// <summary>Sends <see cref="Actors.ReceiveTimeout"/> after <paramref name="timeout"/> without messages; null turns it off.</summary>
    void SetReceiveTimeout(TimeSpan? timeout);
}
