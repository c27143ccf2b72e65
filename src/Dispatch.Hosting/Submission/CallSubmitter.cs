using Akka.Actor;
using Akka.Hosting;
using Dispatch.Cluster.Proxy;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;

namespace Dispatch.Hosting.Submission;

/// <summary>
/// The node's <see cref="ICallSubmitter"/>: sends calls through one <see cref="DispatchClient"/> (cheaper than an Ask per
/// call) to the <see cref="DispatchProxy"/> when one is registered in Akka.Hosting's <see cref="ActorRegistry"/>
/// (<c>WithDispatchProxy</c>, or a cluster node without the <c>dispatch</c> role), else to the <see cref="DispatchActor"/>.
/// </summary>
public sealed class CallSubmitter : ICallSubmitter, IDisposable
{
    private readonly ActorRegistry _registry;
    private readonly ActorSystem _system;
    private readonly Lock _gate = new();
    private DispatchClient? _client;

    /// <summary>Created by dependency injection.</summary>
    /// <param name="registry">Where the pipeline (or the proxy) is registered once the actor system has started.</param>
    /// <param name="system">The actor system it runs in.</param>
    public CallSubmitter(ActorRegistry registry, ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(system);
        _registry = registry;
        _system = system;
    }

    /// <inheritdoc />
    public async Task<APICallResult> SubmitAsync(APICalling call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        // A caller that gives up cancels its call, which still ends with one result (Cancelled).
        if (Volatile.Read(ref _client) is { } client) return await client.SendAsync(call, cancellationToken).ConfigureAwait(false);

        // WithDispatch registers the DispatchActor (or the proxy in its place) in the same start-up as any proxy.
        var dispatch = await _registry.GetAsync<DispatchActor>(cancellationToken).ConfigureAwait(false);
        var target = _registry.TryGet<DispatchProxy>(out var proxy) ? proxy : dispatch;
        lock (_gate) client = _client ??= new DispatchClient(_system, target);
        return await client.SendAsync(call, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Answers calls still waiting <see cref="CallStatus.Cancelled"/>.</summary>
    public void Dispose()
    {
        lock (_gate) _client?.Dispose();
    }
}
