namespace Dispatch.Core.Protocol;

/// <summary>
/// Asks Dispatch to cancel a call wherever it is: queued, waiting for credits, or in flight
/// (the HTTP request is cancelled). The call is answered <see cref="CallStatus.Cancelled"/>
/// unless it already finished; an unknown id is ignored.
/// </summary>
/// <param name="CallId">The id of the call to cancel.</param>
/// <param name="Endpoint">The endpoint the call went to, when known; <see langword="null"/> searches all.</param>
public sealed record CancelCall(string CallId, string? Endpoint = null);
