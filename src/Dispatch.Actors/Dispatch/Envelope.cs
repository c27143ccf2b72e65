namespace Dispatch.Actors;

/// <summary>A message and its sender as they wait in a mailbox; a struct so queuing allocates nothing.</summary>
public readonly struct Envelope : IEquatable<Envelope>
{
    /// <summary>Pairs <paramref name="message"/> with <paramref name="sender"/>.</summary>
    public Envelope(object message, IActorRef? sender)
    {
        Message = message;
        Sender = sender;
    }

    /// <summary>The message.</summary>
    public object Message { get; }

    /// <summary>Who sent it; null when there was no sender.</summary>
    public IActorRef? Sender { get; }

    /// <inheritdoc />
    public bool Equals(Envelope other) => ReferenceEquals(Message, other.Message) && ReferenceEquals(Sender, other.Sender);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Envelope other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Message, Sender);

    /// <summary>True when both envelopes hold the same message instance from the same sender.</summary>
    public static bool operator ==(Envelope left, Envelope right) => left.Equals(right);

    /// <summary>True when the envelopes differ.</summary>
    public static bool operator !=(Envelope left, Envelope right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => $"<{Message}> from {Sender?.ToString() ?? "no sender"}";
}
