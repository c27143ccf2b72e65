namespace Dispatch.Core.Protocol;

/// <summary>
/// Asks Dispatch to wind down for shutdown: from now on new calls are answered
/// <see cref="CallStatus.Rejected"/> with <see cref="ErrorKind.Cancelled"/>; queued and in-flight
/// calls may finish until <paramref name="Timeout"/> has passed, then whatever is left is answered
/// <see cref="CallStatus.Cancelled"/>. Answered with one <see cref="DrainCompleted"/>.
/// </summary>
/// <param name="Timeout">How long calls already accepted may take to finish.</param>
public sealed record Drain(TimeSpan Timeout);

/// <summary>The answer to <see cref="Drain"/>: every call accepted before it has its final result.</summary>
/// <param name="Completed">Calls that got their final result during the drain on their own (whatever its status).</param>
/// <param name="Cancelled">Calls still unfinished when the timeout passed, answered <see cref="CallStatus.Cancelled"/>.</param>
public sealed record DrainCompleted(int Completed, int Cancelled);
