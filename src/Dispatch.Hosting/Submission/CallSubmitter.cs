using Akka.Actor;
using Akka.Hosting;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;

namespace Dispatch.Hosting.Submission;

/// <summary>
/// The node's <see cref="ICallSubmitter"/>: sends calls to the <see cref="DispatchActor"/> registered in
/// Akka.Hosting's <see cref="ActorRegistry"/> through one <see cref="DispatchClient"/> (cheaper than an Ask per call).
/// </summary>
public sealed class CallSubmitter : ICallSubmitter, IDisposable
{
    private readonly IRequiredActor<DispatchActor> _dispatch;
    private readonly ActorSystem _system;
    private readonly Lock _gate = new();
    private DispatchClient? _client;

    /// <summary>Created by dependency injection.</summary>
    /// <param name="dispatch">The pipeline, once the actor system has started.</param>
    /// <param name="system">The actor system it runs in.</param>
    public CallSubmitter(IRequiredActor<DispatchActor> dispatch, ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(dispatch);
        ArgumentNullException.ThrowIfNull(system);
        _dispatch = dispatch;
        _system = system;
    }

    /// <inheritdoc />
    public async Task<APICallResult> SubmitAsync(APICalling call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var dispatch = await _dispatch.GetAsync(cancellationToken).ConfigureAwait(false);
        // A caller that gives up cancels its call, which still ends with one result (Cancelled).
        return await Client(dispatch).SendAsync(call, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Answers calls still waiting <see cref="CallStatus.Cancelled"/>.</summary>
    public void Dispose()
    {
        lock (_gate) _client?.Dispose();
    }

    private DispatchClient Client(IActorRef dispatch)
    {
        if (Volatile.Read(ref _client) is { } client) return client;
        lock (_gate) return _client ??= new DispatchClient(_system, dispatch);
    }
}
