using Akka.Actor;
using Akka.Event;
using Dispatch.Core.Execution;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Dispatching;

/// <summary>
/// Answers calls that died in a mailbox. A call told to Dispatch (or on its way to an endpoint)
/// when the actor stopped ends up as a dead letter; without this its caller would wait forever.
/// A system actor (under <c>/system</c>, so it outlives the user's actors while the system
/// shuts down) subscribed to the event stream's <see cref="DeadLetter"/>s; it holds nothing per call.
/// </summary>
internal sealed class DeadLetterRescuer : ReceiveActor
{
    public DeadLetterRescuer(ActorPath dispatchPath)
    {
        var prefix = dispatchPath.ToStringWithoutAddress();
        Receive<DeadLetter>(letter =>
        {
            if (letter.Message is not APICalling call || !IsWithin(letter.Recipient.Path.ToStringWithoutAddress(), prefix)) return;

            var replyTo = letter.Sender is null || letter.Sender.IsNobody() || ReferenceEquals(letter.Sender, Context.System.DeadLetters) ? null : letter.Sender;
            var result = APICallResult.Cancelled(call.CallId, "Dispatch stopped before the call was processed");
            FinalResult.Deliver(Context.System, call.Endpoint ?? "", replyTo, result, null);
        });
    }

    /// <summary>Whether <paramref name="path"/> is the Dispatch actor or one of its descendants (not a sibling whose name starts the same).</summary>
    private static bool IsWithin(string path, string prefix) =>
        path.StartsWith(prefix, StringComparison.Ordinal) && (path.Length == prefix.Length || path[prefix.Length] == '/');

    /// <summary>Starts a rescuer for the Dispatch actor at <paramref name="dispatchPath"/>.</summary>
    public static void Start(ActorSystem system, ActorPath dispatchPath)
    {
        var rescuer = ((ExtendedActorSystem)system).SystemActorOf(Props.Create(() => new DeadLetterRescuer(dispatchPath)));
        system.EventStream.Subscribe(rescuer, typeof(DeadLetter));
    }
}
