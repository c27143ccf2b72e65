using Akka.Actor;
using Akka.Hosting;
using Dispatch.Core.Dispatching;
using Dispatch.Core.Protocol;

namespace Dispatch.Hosting.Submission;

/// <summary>The node's <see cref="ICallSubmitter"/>: Asks the <see cref="DispatchActor"/> registered in Akka.Hosting's <see cref="ActorRegistry"/>.</summary>
public sealed class CallSubmitter : ICallSubmitter
{
    private readonly IRequiredActor<DispatchActor> _dispatch;

    /// <summary>Created by dependency injection.</summary>
    /// <param name="dispatch">The pipeline, once the actor system has started.</param>
    public CallSubmitter(IRequiredActor<DispatchActor> dispatch)
    {
        ArgumentNullException.ThrowIfNull(dispatch);
        _dispatch = dispatch;
    }

    /// <inheritdoc />
    public async Task<APICallResult> SubmitAsync(APICalling call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var dispatch = await _dispatch.GetAsync(cancellationToken).ConfigureAwait(false);
        // A caller that gives up cancels its call, which still ends with one result (Cancelled).
        await using var cancel = cancellationToken.Register(() => dispatch.Tell(new CancelCall(call.CallId, call.Endpoint), ActorRefs.NoSender));
        return await dispatch.Ask<APICallResult>(call).ConfigureAwait(false);
    }
}
