using Akka.Actor;
using Dispatch.Core.Protocol;

namespace Dispatch.Core.RateLimiting;

/// <summary>
/// Executor → rate limiter: one request credit and <paramref name="Tokens"/> token credits for this
/// call, in line at the place of <paramref name="Order"/> (the call's acceptance sequence number).
/// </summary>
internal sealed record AcquireCredits(string CallId, long Tokens, int Ticket, long Order);

/// <summary>Rate limiter → executor: the credits asked for with <paramref name="Ticket"/> are yours.</summary>
internal sealed record CreditsGranted(string CallId, int Ticket, long GrantId, long Tokens, DateTimeOffset GrantedAt);

/// <summary>Rate limiter → executor: the credits can never be granted.</summary>
internal sealed record CreditsRefused(string CallId, int Ticket, string Reason);

/// <summary>Executor → rate limiter: the call no longer wants credits (cancelled, timed out).</summary>
internal sealed record CancelCredits(string CallId);

/// <summary>Executor → rate limiter: the upstream reported the tokens a grant really used.</summary>
internal sealed record ReconcileCredits(long GrantId, long ActualTokens);

/// <summary>Executor → rate limiter: a 429 asked for no requests before <paramref name="Until"/>.</summary>
internal sealed record PauseCredits(DateTimeOffset Until);

/// <summary>Executor → rate limiter: what the provider answered the call granted as <paramref name="GrantId"/> (its rate-limit headers, whether it was a 429).</summary>
internal sealed record ObserveLimits(long GrantId, RateLimitReport Report, bool Throttled);

/// <summary>Supervisor → rate limiter: add the credit figures to this snapshot and send it to <paramref name="ReplyTo"/>.</summary>
internal sealed record CompleteStatus(StatusSnapshot Snapshot, IActorRef ReplyTo);

/// <summary>
/// Rate limiter → supervisor → busy executors: the rate limiter restarted and its line is gone;
/// an executor waiting for credits asks again.
/// </summary>
internal sealed class RateLimiterRestarted
{
    public static readonly RateLimiterRestarted Instance = new();

    private RateLimiterRestarted()
    {
    }
}

/// <summary>The rate limiter's timer: the head of the line may be grantable now.</summary>
internal sealed class Replenish
{
    public static readonly Replenish Instance = new();

    private Replenish()
    {
    }
}
