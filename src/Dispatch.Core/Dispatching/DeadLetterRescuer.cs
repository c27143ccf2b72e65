using Dispatch.Actors;
using Dispatch.Core.Execution;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Dispatching;

/// <summary>
/// Answers calls that died in a mailbox. A call told to Dispatch (or on its way to an endpoint)
/// when the actor stopped ends up as a dead letter; without this its caller would wait forever.
/// Subscribed to the event stream's <see cref="DeadLetter"/>s for the system's lifetime: it is not
/// an actor, so it keeps working while actors stop, and it holds nothing per call.
/// </summary>
internal sealed class DeadLetterRescuer(ActorSystem system, ActorPath dispatchPath) : IActorRef
{
    private readonly string _prefix = dispatchPath.ToString();

    public ActorPath Path { get; } = dispatchPath.Child("dead-letter-rescuer");

    public void Tell(object message, IActorRef? sender)
    {
        if (message is not DeadLetter { Message: APICalling call } letter ||
            !letter.Recipient.Path.ToString().StartsWith(_prefix, StringComparison.Ordinal))
            return;

        var replyTo = letter.Sender is null || ReferenceEquals(letter.Sender, system.DeadLetters) ? null : letter.Sender;
        var result = APICallResult.Cancelled(call.CallId, "Dispatch stopped before the call was processed");
        FinalResult.Deliver(system, call.Endpoint ?? "", replyTo, result, null);
    }

    public bool Equals(IActorRef? other) => ReferenceEquals(this, other);

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
