using Akka.Actor;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.Execution;

/// <summary>
/// An accepted call on its way through an endpoint: its journey, who to answer, and its token
/// reservation. Owned by one actor at a time (supervisor while queued, then an executor) and
/// handed over in messages.
/// </summary>
internal sealed class PendingCall(CallExecution execution, IActorRef? replyTo, long tokens, long sequence)
{
    public CallExecution Execution => execution;

    public APICalling Call => execution.Call;

    public string CallId => execution.CallId;

    /// <summary>The original sender of the <see cref="APICalling"/>; <see langword="null"/> when it had none.</summary>
    public IActorRef? ReplyTo => replyTo;

    /// <summary>The tokens reserved for each attempt (the estimate).</summary>
    public long Tokens => tokens;

    /// <summary>The call's place in the endpoint's acceptance order: its place in the rate limiter's line, on every attempt.</summary>
    public long Sequence => sequence;

    /// <summary>Whether the breaker let this call through as its half-open probe.</summary>
    public bool IsProbe { get; set; }
}

/// <summary>Sends a final result where it must go: the caller, and the event stream.</summary>
internal static class FinalResult
{
    public static void Deliver(ActorSystem system, string endpoint, IActorRef? replyTo, APICallResult result, IActorRef? self)
    {
        replyTo?.Tell(result, self);
        system.EventStream.Publish(new CallFinished(endpoint, result));
    }

    /// <summary>The reply-to for a message's sender: none when it came without one.</summary>
    public static IActorRef? ReplyTo(IActorContext context)
    {
        var sender = context.Sender;
        return ReferenceEquals(sender, context.System.DeadLetters) ? null : sender;
    }
}
