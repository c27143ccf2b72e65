namespace Dispatch.Core.RateLimiting;

/// <summary>
/// Lets executors of an endpoint without limits skip the round trip to the rate limiter. It is
/// open only while the credit source is not shared with other nodes, limits neither requests nor tokens, no Retry-After pause
/// is in force and nobody waits in the limiter's line; then every request would be granted at
/// once anyway. The rate limiter actor opens and closes it; an executor that sees a 429 with
/// Retry-After closes it itself before telling the limiter, so no executor slips past the pause.
/// </summary>
internal sealed class CreditGate
{
    private volatile bool _open;

    /// <summary>Whether an executor may take its credits without asking.</summary>
    public bool IsOpen => _open;

    public void Set(bool open) => _open = open;
}
