namespace Dispatch.Actors;

/// <summary>The kernel's view of a ref: it can also take system messages.</summary>
internal abstract class InternalActorRef : IActorRef
{
    protected InternalActorRef(ActorPath path) => Path = path;

    public ActorPath Path { get; }

    /// <summary>The system the ref belongs to, or null for refs shared by all systems.</summary>
    public abstract ActorSystem? System { get; }

    public abstract void Tell(object message, IActorRef? sender);

    /// <summary>Delivers a kernel message (watch, stop, supervision) ahead of user messages.</summary>
    internal abstract void SendSystemMessage(SystemMessage message);

    public bool Equals(IActorRef? other) => ReferenceEquals(this, other);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => global::System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);

    public override string ToString() => $"[{Path}]";
}

/// <summary>A ref with no actor behind it: messages are dropped, watches answer at once.</summary>
internal abstract class MinimalActorRef : InternalActorRef
{
    protected MinimalActorRef(ActorPath path) : base(path)
    {
    }

    internal override void SendSystemMessage(SystemMessage message)
    {
        // A watcher of something that never lived learns at once that it is gone.
        if (message is Watch watch && ReferenceEquals(watch.Watchee, this))
        {
            watch.Watcher.SendSystemMessage(new DeathWatchNotification(this, existenceConfirmed: false));
        }
    }
}

/// <summary>The ref that stands for "no actor" (Akka's Nobody).</summary>
internal sealed class NobodyActorRef : MinimalActorRef
{
    internal static readonly NobodyActorRef Instance = new();

    private NobodyActorRef() : base(new ActorPath("dispatch://all-systems").Child("nobody"))
    {
    }

    public override ActorSystem? System => null;

    public override void Tell(object message, IActorRef? sender)
    {
    }
}
