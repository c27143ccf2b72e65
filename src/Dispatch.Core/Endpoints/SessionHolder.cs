namespace Dispatch.Core.Endpoints;

/// <summary>
/// Where an endpoint's executors find its HTTP session. The <see cref="EndpointActor"/> owns the
/// session: it puts it here when it opens it and takes it away before closing it. An executor
/// that finds it starts its attempt itself, on its own turn, instead of queueing it behind every
/// other executor's in the endpoint actor's mailbox; one that does not (the endpoint is not
/// started yet, or is stopping) sends the attempt to the endpoint actor.
/// </summary>
internal sealed class SessionHolder
{
    private volatile EndpointSession? _session;

    /// <summary>The open session, or <see langword="null"/>.</summary>
    public EndpointSession? Session => _session;

    public void Open(EndpointSession session) => _session = session;

    public void Close() => _session = null;
}
