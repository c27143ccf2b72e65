namespace Dispatch.Actors;

/// <summary>
/// Who a message sent without an explicit sender is from: the actor whose code is running on
/// this thread, else an ambient sender a test kit set for its flow, else nobody.
/// </summary>
internal static class ImplicitSender
{
    // The one piece of static mutable state the kernel allows itself: Akka's implicit sender
    // needs an ambient value, and AsyncLocal keeps it per test flow rather than per process.
    private static readonly AsyncLocal<IActorRef?> Ambient = new();

    internal static IActorRef? Current => ActorCell.Current?.Self ?? Ambient.Value;

    internal static void SetAmbient(IActorRef? sender) => Ambient.Value = sender;
}

/// <summary>Tell and Forward with the sender taken from context.</summary>
public static class ActorRefImplicitSenderExtensions
{
    /// <summary>
    /// Sends <paramref name="message"/> with the implicit sender: the current actor inside an actor,
    /// the test actor inside a TestKit test, else no sender.
    /// </summary>
    public static void Tell(this ICanTell receiver, object message)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        receiver.Tell(message, ImplicitSender.Current);
    }

    /// <summary>Sends <paramref name="message"/> keeping the original sender of the message being processed.</summary>
    public static void Forward(this ICanTell receiver, object message)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        var cell = ActorCell.Current;
        receiver.Tell(message, cell is not null ? cell.RawSender : ImplicitSender.Current);
    }
}
