using Dispatch.Core.Protocol;

namespace Dispatch.Hosting.Submission;

/// <summary>
/// Submits calls to this node's pipeline and returns each one's final result. The HTTP ingress submits
/// through it; services get it from dependency injection.
/// </summary>
public interface ICallSubmitter
{
    /// <summary>Submits a call and returns its one final result.</summary>
    /// <param name="call">The call.</param>
    /// <param name="cancellationToken">The caller gave up: the call is cancelled and the task still completes with its (<c>Cancelled</c>) result.</param>
    Task<APICallResult> SubmitAsync(APICalling call, CancellationToken cancellationToken = default);
}
