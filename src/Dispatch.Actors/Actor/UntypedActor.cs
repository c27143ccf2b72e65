namespace Dispatch.Actors;

/// <summary>A behavior that handles every message it is given (unhandled ones must call <c>Unhandled</c>).</summary>
public delegate void UntypedReceive(object message);

/// <summary>An actor with one <see cref="OnReceive"/> method for all messages.</summary>
public abstract class UntypedActor : ActorBase
{
    /// <summary>Handles a message; call <c>Unhandled(message)</c> for messages it does not understand.</summary>
    protected abstract void OnReceive(object message);

    /// <summary>Replaces the current behavior.</summary>
    protected void Become(UntypedReceive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        Become(message =>
        {
            receive(message);
            return true;
        });
    }

    /// <summary>Pushes a behavior on top of the current one.</summary>
    protected void BecomeStacked(UntypedReceive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        BecomeStacked(message =>
        {
            receive(message);
            return true;
        });
    }

    /// <inheritdoc />
    protected internal sealed override bool Receive(object message)
    {
        OnReceive(message);
        return true;
    }
}
