namespace Dispatch.Actors;

/// <summary>What a supervisor does with a failed child.</summary>
public enum Directive
{
    /// <summary>Keep the child and its state; it goes on with the next message.</summary>
    Resume,

    /// <summary>Replace the child's instance with a fresh one; its mailbox is kept, the failing message is not retried.</summary>
    Restart,

    /// <summary>Stop the child.</summary>
    Stop,

    /// <summary>Fail the supervisor itself with the same exception, handing the decision up.</summary>
    Escalate,
}
