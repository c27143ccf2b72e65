namespace Dispatch.Actors;

/// <summary>Which kind of mailbox an actor gets; set with <see cref="Props.WithMailbox"/>.</summary>
public abstract class MailboxType
{
    private protected MailboxType()
    {
    }

    /// <summary>The most user messages the mailbox holds; 0 means unbounded.</summary>
    internal abstract int Capacity { get; }
}

/// <summary>A mailbox without a size limit (the default).</summary>
public sealed class UnboundedMailbox : MailboxType
{
    private UnboundedMailbox()
    {
    }

    /// <summary>The single instance.</summary>
    public static UnboundedMailbox Instance { get; } = new();

    internal override int Capacity => 0;
}

/// <summary>A mailbox holding at most <see cref="MaxMessages"/> user messages; a Tell to a full one goes to dead letters and never blocks.</summary>
public sealed class BoundedMailbox : MailboxType
{
    /// <summary>Creates a bounded mailbox type.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is not positive.</exception>
    public BoundedMailbox(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        MaxMessages = capacity;
    }

    /// <summary>How many user messages fit.</summary>
    public int MaxMessages { get; }

    internal override int Capacity => MaxMessages;
}
