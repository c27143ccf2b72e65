namespace Dispatch.Actors;

/// <summary>The system's publish/subscribe bus: subscribers receive every published event assignable to the type they subscribed to.</summary>
public sealed class EventStream
{
    private readonly Lock _gate = new();
    private Subscription[] _subscriptions = [];

    /// <summary>Subscribes <paramref name="subscriber"/> to events of <paramref name="channel"/> and its subtypes; false when already subscribed.</summary>
    public bool Subscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        lock (_gate)
        {
            foreach (var s in _subscriptions)
            {
                if (ReferenceEquals(s.Subscriber, subscriber) && s.Channel == channel)
                {
                    return false;
                }
            }

            _subscriptions = [.. _subscriptions, new Subscription(subscriber, channel)];
            return true;
        }
    }

    /// <summary>Subscribes <paramref name="subscriber"/> to events of <typeparamref name="TEvent"/>.</summary>
    public bool Subscribe<TEvent>(IActorRef subscriber) => Subscribe(subscriber, typeof(TEvent));

    /// <summary>Removes one subscription; false when there was none.</summary>
    public bool Unsubscribe(IActorRef subscriber, Type channel)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(channel);
        return RemoveWhere(s => ReferenceEquals(s.Subscriber, subscriber) && s.Channel == channel);
    }

    /// <summary>Removes all of <paramref name="subscriber"/>'s subscriptions; false when there were none.</summary>
    public bool Unsubscribe(IActorRef subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        return RemoveWhere(s => ReferenceEquals(s.Subscriber, subscriber));
    }

    /// <summary>Sends <paramref name="event"/> to every subscriber of its type or a base type.</summary>
    public void Publish(object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var type = @event.GetType();
        foreach (var s in Volatile.Read(ref _subscriptions))
        {
            if (s.Channel.IsAssignableFrom(type))
            {
                s.Subscriber.Tell(@event, null);
            }
        }
    }

    private bool RemoveWhere(Func<Subscription, bool> match)
    {
        lock (_gate)
        {
            if (!Array.Exists(_subscriptions, s => match(s)))
            {
                return false;
            }

            var kept = new List<Subscription>(_subscriptions.Length);
            foreach (var s in _subscriptions)
            {
                if (!match(s))
                {
                    kept.Add(s);
                }
            }

            _subscriptions = [.. kept];
            return true;
        }
    }

    private sealed record Subscription(IActorRef Subscriber, Type Channel);
}
