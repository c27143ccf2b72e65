namespace Dispatch.Actors;

/// <summary>Well-known refs.</summary>
public static class ActorRefs
{
    /// <summary>A ref to no actor: messages to it are dropped, and watching it yields <see cref="Terminated"/> at once.</summary>
    public static IActorRef Nobody => NobodyActorRef.Instance;

    /// <summary>The absent sender, for readability at call sites: <c>target.Tell(msg, ActorRefs.NoSender)</c>.</summary>
    public static IActorRef? NoSender => null;
}
