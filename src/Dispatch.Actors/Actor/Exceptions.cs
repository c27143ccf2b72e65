namespace Dispatch.Actors;

/// <summary>An actor's constructor or <c>PreStart</c> threw; by default its supervisor stops it.</summary>
public sealed class ActorInitializationException : Exception
{
    /// <summary>Creates the exception for <paramref name="actor"/>.</summary>
    public ActorInitializationException(IActorRef? actor, string message, Exception? cause = null) : base(message, cause) => Actor = actor;

    /// <summary>The actor that failed to start, if known.</summary>
    public IActorRef? Actor { get; }
}

/// <summary>An actor received <see cref="Kill"/>.</summary>
public sealed class ActorKilledException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ActorKilledException(string message) : base(message)
    {
    }
}

/// <summary>An actor watched another, did not handle its <see cref="Terminated"/>, and so dies with it.</summary>
public sealed class DeathPactException : Exception
{
    /// <summary>Creates the exception for the death of <paramref name="deadActor"/>.</summary>
    public DeathPactException(IActorRef deadActor)
        : base($"Monitored actor {deadActor} terminated and its Terminated message was not handled.") => DeadActor = deadActor;

    /// <summary>The watched actor that stopped.</summary>
    public IActorRef DeadActor { get; }
}

/// <summary>An actor name is malformed or already taken by a sibling.</summary>
public sealed class InvalidActorNameException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidActorNameException(string message) : base(message)
    {
    }
}

/// <summary>An Ask got no reply within its timeout.</summary>
public sealed class AskTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    public AskTimeoutException(string message) : base(message)
    {
    }
}
