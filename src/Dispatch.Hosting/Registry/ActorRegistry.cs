using System.Collections.Concurrent;
using Dispatch.Actors;

namespace Dispatch.Hosting.Registry;

/// <summary>The thread-safe <see cref="IActorRegistry"/> of one host.</summary>
public sealed class ActorRegistry : IActorRegistry
{
    private readonly ConcurrentDictionary<Type, TaskCompletionSource<IActorRef>> _entries = new();

    /// <inheritdoc />
    public void Register<TKey>(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!Entry(typeof(TKey)).TrySetResult(actor))
            throw new InvalidOperationException($"An actor is already registered under {typeof(TKey).Name}.");
    }

    /// <inheritdoc />
    public bool TryGet<TKey>(out IActorRef? actor)
    {
        actor = _entries.TryGetValue(typeof(TKey), out var entry) && entry.Task.IsCompletedSuccessfully ? entry.Task.Result : null;
        return actor is not null;
    }

    /// <inheritdoc />
    public IActorRef Get<TKey>() =>
        TryGet<TKey>(out var actor) ? actor! : throw new KeyNotFoundException($"No actor is registered under {typeof(TKey).Name}; is the Dispatch host started?");

    /// <inheritdoc />
    public Task<IActorRef> GetAsync<TKey>(CancellationToken cancellationToken = default) =>
        Entry(typeof(TKey)).Task.WaitAsync(cancellationToken);

    private TaskCompletionSource<IActorRef> Entry(Type key) =>
        _entries.GetOrAdd(key, static _ => new TaskCompletionSource<IActorRef>(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>The <see cref="IRequiredActor{TKey}"/> dependency injection hands out.</summary>
/// <typeparam name="TKey">The registry key.</typeparam>
/// <param name="registry">The host's registry.</param>
public sealed class RequiredActor<TKey>(IActorRegistry registry) : IRequiredActor<TKey>
{
    /// <inheritdoc />
    public IActorRef ActorRef => registry.Get<TKey>();

    /// <inheritdoc />
    public Task<IActorRef> GetAsync(CancellationToken cancellationToken = default) => registry.GetAsync<TKey>(cancellationToken);
}
