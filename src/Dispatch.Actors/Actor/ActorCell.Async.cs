namespace Dispatch.Actors;

/// <summary>
/// Async handlers: while one runs, user messages wait (the mailbox is suspended) but system
/// messages flow; its continuations run as this actor through a synchronization context that
/// posts them to the mailbox, so Context, Self and Sender stay valid after an await.
/// </summary>
internal sealed partial class ActorCell
{
    private Task? _awaitingTask;
    private IActorRef? _asyncSender;
    private ActorSynchronizationContext? _syncContext;

    internal void RunTask<T>(Func<T, Task> handler, T argument)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(_syncContext ??= new ActorSynchronizationContext(this));
        Task task;
        try
        {
            task = handler(argument);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        if (task.IsCompleted)
        {
            // Rethrows the handler's own exception so supervision sees it unwrapped.
            task.GetAwaiter().GetResult();
            return;
        }

        _awaitingTask = task;
        _asyncSender = _currentSender;
        Mailbox.Suspend();
        task.ContinueWith(
            static (t, state) => ((ActorCell)state!).Mailbox.PostSystem(new AsyncHandlerCompleted(t)),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void RunAsyncContinuation(RunContinuation continuation)
    {
        var previousSender = _currentSender;
        var previousContext = SynchronizationContext.Current;
        _currentSender = _asyncSender;
        SynchronizationContext.SetSynchronizationContext(_syncContext);
        try
        {
            continuation.Callback(continuation.State);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previousContext);
            _currentSender = previousSender;
        }
    }

    private void AsyncHandlerDone(Task task)
    {
        if (!ReferenceEquals(task, _awaitingTask))
        {
            return; // abandoned by a restart or stop
        }

        _awaitingTask = null;
        _asyncSender = null;
        Mailbox.Resume();
        if (!task.IsCompletedSuccessfully)
        {
            var cause = task.Exception is { } aggregate
                ? aggregate.InnerExceptions.Count == 1 ? aggregate.InnerException! : aggregate
                : new TaskCanceledException(task);
            HandleInvokeFailure(cause);
        }
    }

    private void AbandonAsyncHandler()
    {
        if (_awaitingTask is not null)
        {
            _awaitingTask = null;
            _asyncSender = null;
            Mailbox.Resume();
        }
    }
}

/// <summary>Posts continuations of an actor's async handlers back into its mailbox.</summary>
internal sealed class ActorSynchronizationContext(ActorCell cell) : SynchronizationContext
{
    public override void Post(SendOrPostCallback d, object? state) => cell.Mailbox.PostSystem(new RunContinuation(d, state));

    public override void Send(SendOrPostCallback d, object? state) => d(state);

    public override SynchronizationContext CreateCopy() => this;
}
