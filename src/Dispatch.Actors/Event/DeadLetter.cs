namespace Dispatch.Actors;

/// <summary>A message that could not be delivered, published on the event stream.</summary>
/// <param name="Message">The undelivered message.</param>
/// <param name="Sender">Who sent it; null when there was no sender.</param>
/// <param name="Recipient">Who it was for.</param>
/// <param name="Reason">Why it was not delivered, when known (for example "mailbox full (capacity 10)"); null for a stopped recipient.</param>
public sealed record DeadLetter(object Message, IActorRef? Sender, IActorRef Recipient, string? Reason = null);

/// <summary>A message an actor's behavior did not handle, published on the event stream.</summary>
/// <param name="Message">The message.</param>
/// <param name="Sender">Who sent it; null when there was no sender.</param>
/// <param name="Recipient">The actor that did not handle it.</param>
public sealed record UnhandledMessage(object Message, IActorRef? Sender, IActorRef Recipient);
