using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dispatch.Actors;

/// <summary>How an <see cref="ActorSystem"/> runs: its clock, dispatcher throughput, logging and defaults.</summary>
public sealed record ActorSystemSettings
{
    /// <summary>The defaults: system clock, throughput 30, no logging, unbounded mailboxes, asks without a default timeout.</summary>
    public static ActorSystemSettings Default { get; } = new();

    /// <summary>The clock driving the scheduler, actor timers, receive timeouts and ask timeouts. Default: <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How many user messages an actor processes per turn on a thread before yielding it. Default 30.</summary>
    public int Throughput { get; init; } = 30;

    /// <summary>Where actor and system loggers come from. Default: <see cref="NullLoggerFactory"/>.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The mailbox actors get when their props name none. Default: unbounded.</summary>
    public MailboxType DefaultMailbox { get; init; } = UnboundedMailbox.Instance;

    /// <summary>The timeout of an Ask that names none; null means wait forever. Default: null.</summary>
    public TimeSpan? AskTimeout { get; init; }

    /// <summary>Whether dead letters are logged (at Information) besides being published. Default: true.</summary>
    public bool LogDeadLetters { get; init; } = true;

    /// <summary>Checks every setting and says which one is wrong and why.</summary>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public void Validate()
    {
        if (TimeProvider is null)
        {
            throw new ArgumentException("ActorSystemSettings.TimeProvider must not be null.", nameof(TimeProvider));
        }

        if (Throughput < 1)
        {
            throw new ArgumentException($"ActorSystemSettings.Throughput must be at least 1, was {Throughput}.", nameof(Throughput));
        }

        if (LoggerFactory is null)
        {
            throw new ArgumentException("ActorSystemSettings.LoggerFactory must not be null.", nameof(LoggerFactory));
        }

        if (DefaultMailbox is null)
        {
            throw new ArgumentException("ActorSystemSettings.DefaultMailbox must not be null.", nameof(DefaultMailbox));
        }

        if (AskTimeout is { } timeout && timeout <= TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"ActorSystemSettings.AskTimeout must be positive, was {timeout}.", nameof(AskTimeout));
        }
    }
}
