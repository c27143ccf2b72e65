using System.Collections.Concurrent;

namespace Dispatch.Actors;

/// <summary>
/// An actor's queues and its run on the thread pool. The mailbox is its own thread-pool work
/// item, so scheduling an actor allocates nothing, and it queues itself on the current worker's
/// local queue so a reply is usually processed by the thread that sent it.
/// </summary>
internal sealed class Mailbox : IThreadPoolWorkItem
{
    // _status: bit 0 scheduled, bit 1 closed, the rest counts suspensions of user messages.
    private const int Scheduled = 1;
    private const int Closed = 2;
    private const int SuspendUnit = 4;

    private readonly ConcurrentQueue<Envelope> _queue = new();
    private readonly ConcurrentQueue<SystemMessage> _system = new();
    private readonly int _capacity;
    private readonly int _throughput;
    private readonly string? _fullReason;
    private ActorCell _cell = null!;
    private Stack<Envelope>? _front;
    private int _status;
    private int _count;
    private int _systemCount;

    internal Mailbox(int capacity, int throughput)
    {
        _capacity = capacity;
        _throughput = throughput;
        if (capacity > 0)
        {
            _fullReason = $"mailbox full (capacity {capacity})";
        }
    }

    /// <summary>How many times the mailbox has run; lets tests observe the throughput setting.</summary>
    internal int Turns { get; private set; }

    internal bool IsClosed => (Volatile.Read(ref _status) & Closed) != 0;

    internal bool IsScheduled => (Volatile.Read(ref _status) & Scheduled) != 0;

    internal bool IsSuspended => Volatile.Read(ref _status) >= SuspendUnit;

    internal int Capacity => _capacity;

    internal void SetCell(ActorCell cell) => _cell = cell;

    internal void Post(Envelope envelope)
    {
        if (_capacity > 0 && Interlocked.Increment(ref _count) > _capacity)
        {
            Interlocked.Decrement(ref _count);
            _cell.SendToDeadLetters(envelope, _fullReason);
            return;
        }

        _queue.Enqueue(envelope);
        var status = Volatile.Read(ref _status);
        if (status == 0)
        {
            RegisterForExecution(forSystem: false);
        }
        else if ((status & Closed) != 0)
        {
            // Raced with the actor's stop: whatever got in after the final drain is dead.
            DrainQueueToDeadLetters();
        }
    }

    internal void PostSystem(SystemMessage message)
    {
        _system.Enqueue(message);
        Interlocked.Increment(ref _systemCount);
        if (IsClosed)
        {
            DrainSystemAfterClose();
            return;
        }

        RegisterForExecution(forSystem: true);
    }

    /// <summary>Puts a message at the front of the queue; only the actor itself may call this (stash).</summary>
    internal void PushFront(Envelope envelope) => (_front ??= new Stack<Envelope>()).Push(envelope);

    internal void Suspend() => Interlocked.Add(ref _status, SuspendUnit);

    internal void Resume()
    {
        var status = Interlocked.Add(ref _status, -SuspendUnit);
        if (status < SuspendUnit && HasUserMessages)
        {
            RegisterForExecution(forSystem: false);
        }
    }

    /// <summary>Closes the mailbox for good and sends what is left to dead letters; called by the actor as it stops.</summary>
    internal void Close()
    {
        int status;
        do
        {
            status = Volatile.Read(ref _status);
        }
        while (Interlocked.CompareExchange(ref _status, status | Closed, status) != status);

        if (_front is not null)
        {
            while (_front.TryPop(out var envelope))
            {
                _cell.SendToDeadLetters(envelope, null);
            }
        }

        DrainQueueToDeadLetters();
    }

    public void Execute()
    {
        Turns++;
        if (IsClosed)
        {
            return;
        }

        ProcessAllSystemMessages();
        if (ProcessUserMessages())
        {
            // The turn ended with messages left: stay scheduled and queue the next turn behind the
            // work already waiting, so one busy actor cannot starve the others on this thread.
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            return;
        }

        int status;
        do
        {
            status = Volatile.Read(ref _status);
            if ((status & Closed) != 0)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _status, status & ~Scheduled, status) != status);

        // Anything that arrived while we were finishing the turn needs another turn.
        if (Volatile.Read(ref _systemCount) > 0)
        {
            RegisterForExecution(forSystem: true);
        }
        else if (HasUserMessages)
        {
            RegisterForExecution(forSystem: false);
        }
    }

    private bool HasUserMessages => _front is { Count: > 0 } || !_queue.IsEmpty;

    private void RegisterForExecution(bool forSystem)
    {
        while (true)
        {
            var status = Volatile.Read(ref _status);
            var blocked = forSystem ? (status & (Scheduled | Closed)) != 0 : status != 0;
            if (blocked)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _status, status | Scheduled, status) == status)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
                return;
            }
        }
    }

    /// <summary>Processes up to <c>throughput</c> user messages; true when it stopped at the limit with more waiting.</summary>
    private bool ProcessUserMessages()
    {
        var left = _throughput;
        while ((Volatile.Read(ref _status) & ~Scheduled) == 0 && TryDequeue(out var envelope))
        {
            _cell.Invoke(envelope);
            if (Volatile.Read(ref _systemCount) > 0)
            {
                ProcessAllSystemMessages();
            }

            if (--left == 0)
            {
                return (Volatile.Read(ref _status) & ~Scheduled) == 0 && HasUserMessages;
            }
        }

        return false;
    }

    private void ProcessAllSystemMessages()
    {
        while (_system.TryDequeue(out var message))
        {
            Interlocked.Decrement(ref _systemCount);
            _cell.SystemInvoke(message);
            if (IsClosed)
            {
                DrainSystemAfterClose();
                return;
            }
        }
    }

    private bool TryDequeue(out Envelope envelope)
    {
        if (_front is { Count: > 0 })
        {
            envelope = _front.Pop();
            return true;
        }

        if (_queue.TryDequeue(out envelope))
        {
            if (_capacity > 0)
            {
                Interlocked.Decrement(ref _count);
            }

            return true;
        }

        return false;
    }

    private void DrainQueueToDeadLetters()
    {
        while (_queue.TryDequeue(out var envelope))
        {
            if (_capacity > 0)
            {
                Interlocked.Decrement(ref _count);
            }

            _cell.SendToDeadLetters(envelope, null);
        }
    }

    private void DrainSystemAfterClose()
    {
        while (_system.TryDequeue(out var message))
        {
            Interlocked.Decrement(ref _systemCount);
            _cell.SystemMessageAfterDeath(message);
        }
    }
}
