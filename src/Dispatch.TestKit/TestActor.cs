using System.Collections.Concurrent;
using Dispatch.Actors;

namespace Dispatch.Testing;

/// <summary>A received message and its sender.</summary>
internal readonly record struct ReceivedMessage(object Message, IActorRef Sender);

/// <summary>The queue between a test actor and the test thread; waits on it are real-time.</summary>
internal sealed class MessageQueue : IDisposable
{
    private readonly ConcurrentQueue<ReceivedMessage> _queue = new();
    private readonly SemaphoreSlim _available = new(0);

    public int Count => _queue.Count;

    public void Enqueue(ReceivedMessage message)
    {
        _queue.Enqueue(message);
        _available.Release();
    }

    public bool TryTake(TimeSpan timeout, out ReceivedMessage message)
    {
        if (_available.Wait(Clamp(timeout)))
        {
            return _queue.TryDequeue(out message);
        }

        message = default;
        return false;
    }

    public async Task<ReceivedMessage?> TryTakeAsync(TimeSpan timeout)
    {
        if (await _available.WaitAsync(Clamp(timeout)).ConfigureAwait(false) && _queue.TryDequeue(out var message))
        {
            return message;
        }

        return null;
    }

    public void Dispose() => _available.Dispose();

    private static TimeSpan Clamp(TimeSpan timeout) => timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout;
}

/// <summary>Asks a test actor to watch or unwatch a target.</summary>
internal sealed record WatchRequest(IActorRef Target, bool Watch);

/// <summary>The actor behind <c>TestActor</c> and probes: it queues whatever it receives for the test to inspect.</summary>
internal sealed class TestActor(MessageQueue queue) : ActorBase
{
    protected internal override bool Receive(object message)
    {
        if (message is WatchRequest request)
        {
            if (request.Watch)
            {
                Context.Watch(request.Target);
            }
            else
            {
                Context.Unwatch(request.Target);
            }
        }
        else
        {
            queue.Enqueue(new ReceivedMessage(message, Sender));
        }

        return true;
    }
}
