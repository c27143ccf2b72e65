namespace Dispatch.Actors;

/// <summary>An actor whose behavior is a list of typed handlers declared with <c>Receive&lt;T&gt;</c>; the first declared match wins.</summary>
public abstract class ReceiveActor : ActorBase
{
    private readonly HandlerSet _initial = new();
    private HandlerSet _building;

    /// <summary>Creates the actor with an empty handler list.</summary>
    protected ReceiveActor() => _building = _initial;

    /// <summary>Handles messages of type <typeparamref name="T"/> (for which <paramref name="shouldHandle"/> holds, if given).</summary>
    protected void Receive<T>(Action<T> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _building.Add(new ActionHandler<T>(handler, shouldHandle));
    }

    /// <summary>Handles messages of type <typeparamref name="T"/> for which <paramref name="shouldHandle"/> holds.</summary>
    protected void Receive<T>(Predicate<T> shouldHandle, Action<T> handler)
    {
        ArgumentNullException.ThrowIfNull(shouldHandle);
        Receive(handler, shouldHandle);
    }

    /// <summary>Handles messages of type <typeparamref name="T"/>; the handler returns false to pass a message on to later handlers.</summary>
    protected void Receive<T>(Func<T, bool> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _building.Add(new FuncHandler<T>(handler));
    }

    /// <summary>
    /// Handles messages of type <typeparamref name="T"/> with an async handler. User messages wait until the
    /// task completes (system messages still flow), and an exception goes to the supervisor.
    /// </summary>
    protected void ReceiveAsync<T>(Func<T, Task> handler, Predicate<T>? shouldHandle = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _building.Add(new AsyncHandler<T>(this, handler, shouldHandle));
    }

    /// <summary>Handles messages of type <typeparamref name="T"/> for which <paramref name="shouldHandle"/> holds, asynchronously.</summary>
    protected void ReceiveAsync<T>(Predicate<T> shouldHandle, Func<T, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(shouldHandle);
        ReceiveAsync(handler, shouldHandle);
    }

    /// <summary>Handles any message not handled by an earlier handler.</summary>
    protected void ReceiveAny(Action<object> handler) => Receive(handler);

    /// <summary>Handles any message not handled by an earlier handler, asynchronously.</summary>
    protected void ReceiveAnyAsync(Func<object, Task> handler) => ReceiveAsync(handler);

    /// <summary>Replaces the behavior with the handlers <paramref name="configure"/> declares.</summary>
    protected void Become(Action configure) => Become(Configure(configure));

    /// <summary>Pushes a behavior made of the handlers <paramref name="configure"/> declares.</summary>
    protected void BecomeStacked(Action configure) => BecomeStacked(Configure(configure));

    /// <inheritdoc />
    protected internal sealed override bool Receive(object message) => _initial.Handle(message);

    private Receive Configure(Action configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var set = new HandlerSet();
        var previous = _building;
        _building = set;
        try
        {
            configure();
        }
        finally
        {
            _building = previous;
        }

        return set.Handle;
    }

    internal void RunAsyncHandler<T>(Func<T, Task> handler, T message) => Cell.RunTask(handler, message);

    /// <summary>Handlers matched by a type test in declaration order: no lookup, no allocation per message.</summary>
    private sealed class HandlerSet
    {
        private Handler[] _handlers = new Handler[4];
        private int _count;

        public void Add(Handler handler)
        {
            if (_count == _handlers.Length)
            {
                Array.Resize(ref _handlers, _count * 2);
            }

            _handlers[_count++] = handler;
        }

        public bool Handle(object message)
        {
            var handlers = _handlers;
            for (var i = 0; i < _count; i++)
            {
                if (handlers[i].TryHandle(message))
                {
                    return true;
                }
            }

            return false;
        }
    }

    private abstract class Handler
    {
        public abstract bool TryHandle(object message);
    }

    private sealed class ActionHandler<T>(Action<T> action, Predicate<T>? shouldHandle) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (message is T typed && (shouldHandle is null || shouldHandle(typed)))
            {
                action(typed);
                return true;
            }

            return false;
        }
    }

    private sealed class FuncHandler<T>(Func<T, bool> handler) : Handler
    {
        public override bool TryHandle(object message) => message is T typed && handler(typed);
    }

    private sealed class AsyncHandler<T>(ReceiveActor actor, Func<T, Task> handler, Predicate<T>? shouldHandle) : Handler
    {
        public override bool TryHandle(object message)
        {
            if (message is T typed && (shouldHandle is null || shouldHandle(typed)))
            {
                actor.RunAsyncHandler(handler, typed);
                return true;
            }

            return false;
        }
    }
}
