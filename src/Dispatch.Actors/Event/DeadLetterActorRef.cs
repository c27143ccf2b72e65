using Microsoft.Extensions.Logging;

namespace Dispatch.Actors;

/// <summary>The system's dead-letter office: everything told to it is published as a <see cref="DeadLetter"/>.</summary>
internal sealed class DeadLetterActorRef : MinimalActorRef
{
    private readonly ActorSystem _system;

    internal DeadLetterActorRef(ActorSystem system, ActorPath path) : base(path) => _system = system;

    public override ActorSystem System => _system;

    public override void Tell(object message, IActorRef? sender)
    {
        ArgumentNullException.ThrowIfNull(message);
        Publish(message as DeadLetter ?? new DeadLetter(message, sender, this));
    }

    internal void Publish(DeadLetter deadLetter)
    {
        if (_system.Settings.LogDeadLetters && _system.Log.IsEnabled(LogLevel.Information))
        {
            _system.Log.LogInformation(
                "Dead letter {MessageType} from {Sender} to {Recipient}: {Reason}",
                deadLetter.Message.GetType().Name,
                deadLetter.Sender?.Path.ToString() ?? "no sender",
                deadLetter.Recipient.Path,
                deadLetter.Reason ?? "recipient stopped");
        }

        _system.EventStream.Publish(deadLetter);
    }
}
