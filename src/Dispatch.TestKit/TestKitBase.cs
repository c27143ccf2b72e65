using System.Diagnostics;
using Dispatch.Actors;
using Xunit.Sdk;

namespace Dispatch.Testing;

/// <summary>
/// Expectations over the messages a test actor receives: the shared core of <see cref="TestKit"/> and
/// <see cref="TestProbe"/>. Timeouts are real time (multiplied by the time factor), whatever clock the
/// actor system runs on.
/// </summary>
public abstract partial class TestKitBase
{
    private readonly MessageQueue _queue = new();
    private long? _deadline;

    /// <summary>Creates the kit's test actor in <paramref name="system"/>.</summary>
    protected TestKitBase(ActorSystem system, TestKitSettings settings, string? testActorName = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Sys = system;
        TestKitSettings = settings;
        var queue = _queue;
        TestActor = system.ActorOf(Props.Create(() => new TestActor(queue)), testActorName);
        LastSender = system.DeadLetters;
    }

    /// <summary>The actor system under test.</summary>
    public ActorSystem Sys { get; }

    /// <summary>The kit's timeouts.</summary>
    public TestKitSettings TestKitSettings { get; }

    /// <summary>The actor whose received messages the expectations inspect.</summary>
    public IActorRef TestActor { get; }

    /// <summary>The sender of the last message received by an expectation.</summary>
    public IActorRef LastSender { get; private set; }

    /// <summary>The last message received by an expectation, or null.</summary>
    public object? LastMessage { get; private set; }

    /// <summary>Whether messages are waiting to be inspected.</summary>
    public bool HasMessages => _queue.Count > 0;

    /// <summary>Time left in the innermost <c>Within</c> block.</summary>
    /// <exception cref="InvalidOperationException">Not inside <c>Within</c>.</exception>
    public TimeSpan Remaining => _deadline is { } deadline
        ? Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline)
        : throw new InvalidOperationException("Remaining is only defined inside Within.");

    /// <summary>Time left in the innermost <c>Within</c> block, else the dilated default timeout.</summary>
    public TimeSpan RemainingOrDefault => _deadline is null ? Dilated(TestKitSettings.DefaultTimeout) : Remaining;

    /// <summary><paramref name="duration"/> multiplied by the time factor.</summary>
    public TimeSpan Dilated(TimeSpan duration) =>
        duration == Timeout.InfiniteTimeSpan ? duration : TimeSpan.FromTicks((long)(duration.Ticks * TestKitSettings.TimeFactor));

    /// <summary>Creates a probe: another test actor with the same expectations, in the same system.</summary>
    public TestProbe CreateTestProbe(string? name = null) => new(Sys, TestKitSettings, name);

    /// <summary>Creates an actor under <c>/user</c>.</summary>
    public IActorRef ActorOf(Props props, string? name = null) => Sys.ActorOf(props, name);

    /// <summary>Creates an actor of <typeparamref name="TActor"/> under <c>/user</c>.</summary>
    public IActorRef ActorOf<TActor>(string? name = null)
        where TActor : ActorBase, new() => Sys.ActorOf<TActor>(name);

    /// <summary>Makes the test actor watch <paramref name="actor"/>, so <c>ExpectTerminated</c> can see it stop.</summary>
    public IActorRef Watch(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        TestActor.Tell(new WatchRequest(actor, true), null);
        return actor;
    }

    /// <summary>Makes the test actor stop watching <paramref name="actor"/>.</summary>
    public IActorRef Unwatch(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        TestActor.Tell(new WatchRequest(actor, false), null);
        return actor;
    }

    /// <summary>Receives one message within <paramref name="max"/> (default: remaining or default timeout); null on timeout.</summary>
    public object? ReceiveOne(TimeSpan? max = null) =>
        _queue.TryTake(ResolveTimeout(max), out var received) ? Record(received) : null;

    /// <summary>Receives one message asynchronously; null on timeout.</summary>
    public async Task<object?> ReceiveOneAsync(TimeSpan? max = null) =>
        await _queue.TryTakeAsync(ResolveTimeout(max)).ConfigureAwait(false) is { } received ? Record(received) : null;

    private TimeSpan ResolveTimeout(TimeSpan? max) => max is { } explicitMax ? Dilated(explicitMax) : RemainingOrDefault;

    private object Record(ReceivedMessage received)
    {
        LastMessage = received.Message;
        LastSender = received.Sender;
        return received.Message;
    }

    private object ReceiveOrFail(TimeSpan? max, string what, string? hint)
    {
        var timeout = ResolveTimeout(max);
        return ReceiveOne(max) ?? throw TimeoutFailure(timeout, what, hint);
    }

    private async Task<object> ReceiveOrFailAsync(TimeSpan? max, string what, string? hint)
    {
        var timeout = ResolveTimeout(max);
        return await ReceiveOneAsync(max).ConfigureAwait(false) ?? throw TimeoutFailure(timeout, what, hint);
    }

    private static XunitException TimeoutFailure(TimeSpan timeout, string what, string? hint) =>
        new($"Timeout ({timeout}) while waiting for {what}{Hint(hint)}.");

    private static string Hint(string? hint) => string.IsNullOrEmpty(hint) ? string.Empty : $" ({hint})";
}
