using Dispatch.Actors;

namespace Dispatch.Hosting.Registry;

/// <summary>
/// The actor refs of a hosted node, by key type, so services and controllers get them from
/// dependency injection rather than from globals. The Dispatch pipeline is registered under
/// <see cref="Core.Dispatching.DispatchActor"/>.
/// </summary>
public interface IActorRegistry
{
    /// <summary>Registers <paramref name="actor"/> under <typeparamref name="TKey"/>.</summary>
    /// <exception cref="InvalidOperationException">Something is already registered under that key.</exception>
    void Register<TKey>(IActorRef actor);

    /// <summary>The actor registered under <typeparamref name="TKey"/>, if any.</summary>
    bool TryGet<TKey>(out IActorRef? actor);

    /// <summary>The actor registered under <typeparamref name="TKey"/>.</summary>
    /// <exception cref="KeyNotFoundException">Nothing is registered under that key (yet).</exception>
    IActorRef Get<TKey>();

    /// <summary>Completes with the actor registered under <typeparamref name="TKey"/> once it is.</summary>
    Task<IActorRef> GetAsync<TKey>(CancellationToken cancellationToken = default);
}

/// <summary>An actor a service depends on, resolved from the <see cref="IActorRegistry"/> by key type.</summary>
/// <typeparam name="TKey">The key the actor is registered under, usually its actor type.</typeparam>
public interface IRequiredActor<TKey>
{
    /// <summary>The actor's ref.</summary>
    /// <exception cref="KeyNotFoundException">The node has not started yet.</exception>
    IActorRef ActorRef { get; }

    /// <summary>Completes with the actor's ref once the node has started.</summary>
    Task<IActorRef> GetAsync(CancellationToken cancellationToken = default);
}
