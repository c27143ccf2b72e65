namespace Dispatch.Actors;

/// <summary>Messages an actor set aside to process later, e.g. after a <c>Become</c>.</summary>
public interface IStash
{
    /// <summary>How many messages are stashed.</summary>
    int Count { get; }

    /// <summary>Sets the message being processed aside.</summary>
    /// <exception cref="InvalidOperationException">The same message is stashed twice.</exception>
    void Stash();

    /// <summary>Puts the oldest stashed message back at the front of the mailbox.</summary>
    void Unstash();

    /// <summary>Puts all stashed messages back at the front of the mailbox, in the order they were stashed.</summary>
    void UnstashAll();

    /// <summary>Drops all stashed messages and returns them.</summary>
    IReadOnlyList<Envelope> ClearStash();
}

/// <summary>An actor that stashes; the kernel sets <see cref="Stash"/> when it creates the actor, and unstashes everything before a restart.</summary>
public interface IWithStash
{
    /// <summary>The actor's stash.</summary>
    IStash Stash { get; set; }
}

/// <summary>An actor with an unbounded stash (Akka's name for <see cref="IWithStash"/>).</summary>
public interface IWithUnboundedStash : IWithStash;
