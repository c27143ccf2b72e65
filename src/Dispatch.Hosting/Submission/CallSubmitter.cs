using Dispatch.Actors;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;
using Dispatch.Hosting.Registry;

namespace Dispatch.Hosting.Submission;

/// <summary>The node's <see cref="ICallSubmitter"/>: Asks the pipeline registered under <see cref="DispatchActor"/>.</summary>
public sealed class CallSubmitter : ICallSubmitter
{
    private readonly IActorRegistry _registry;

    /// <summary>Created by dependency injection.</summary>
    /// <param name="registry">The registry the pipeline is found in.</param>
    public CallSubmitter(IActorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
    }

    /// <inheritdoc />
    public async Task<APICallResult> SubmitAsync(APICalling call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var dispatch = await _registry.GetAsync<DispatchActor>(cancellationToken).ConfigureAwait(false);
        // A caller that gives up cancels its call, which still ends with one result (Cancelled).
        await using var cancel = cancellationToken.Register(() => dispatch.Tell(new CancelCall(call.CallId, call.Endpoint), ActorRefs.NoSender));
        return await dispatch.Ask<APICallResult>(call).ConfigureAwait(false);
    }
}
